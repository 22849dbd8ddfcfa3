import { describe, expect, it } from "vitest";
import { GenerationQueue, type Reservation } from "./generation-queue.ts";

function admitted(outcome: ReturnType<GenerationQueue["reserve"]>): Reservation {
  if (!("release" in outcome)) throw new Error(`refused: ${outcome.limit}`);
  return outcome;
}

/** A reply as the generation manager runs one: reserved by its send, then waiting for a slot. */
async function startReply(queue: GenerationQueue, userId: string, controller = new AbortController()) {
  const reservation = admitted(queue.reserve(userId));
  let release: (() => void) | null = null;
  const started = queue.acquire(userId, controller.signal).then((done) => {
    release = done;
  });
  reservation.release();
  await Promise.resolve();
  return { started, controller, isRunning: () => release !== null, finish: () => release?.() };
}

describe("GenerationQueue", () => {
  it("lets a user have perUser replies in flight and refuses the next", async () => {
    const queue = new GenerationQueue({ perUser: 2, perServer: 10, queue: 10 });
    await startReply(queue, "ann");
    await startReply(queue, "ann");
    expect(queue.reserve("ann")).toEqual({ limit: "concurrent_generations_user", inFlight: 2 });
    expect("release" in queue.reserve("bob")).toBe(true);
  });

  it("queues past perServer in FIFO order, refuses when the queue is full, and starts the next when one ends", async () => {
    const queue = new GenerationQueue({ perUser: 5, perServer: 1, queue: 2 });
    const first = await startReply(queue, "ann");
    const second = await startReply(queue, "bob");
    const third = await startReply(queue, "cem");
    expect([first.isRunning(), second.isRunning(), third.isRunning()]).toEqual([true, false, false]);
    expect(queue.waitingAhead("cem")).toBe(1);
    expect(queue.reserve("dan")).toEqual({ limit: "concurrent_generations_server", waiting: 2 });
    first.finish();
    await second.started;
    expect([second.isRunning(), third.isRunning()]).toEqual([true, false]);
    second.finish();
    await third.started;
    expect(third.isRunning()).toBe(true);
  });

  it("a send's reservation counts until its reply is queued, and a failed send gives it back", () => {
    const queue = new GenerationQueue({ perUser: 1, perServer: 1, queue: 0 });
    const reservation = admitted(queue.reserve("ann"));
    expect("limit" in queue.reserve("ann")).toBe(true);
    expect("limit" in queue.reserve("bob")).toBe(true);
    reservation.release();
    reservation.release();
    expect("release" in queue.reserve("bob")).toBe(true);
  });

  it("a reply stopped while it waits leaves the queue", async () => {
    const queue = new GenerationQueue({ perUser: 5, perServer: 1, queue: 1 });
    await startReply(queue, "ann");
    const waiting = await startReply(queue, "bob");
    waiting.controller.abort();
    await expect(waiting.started).rejects.toBeDefined();
    expect(queue.waitingCount).toBe(0);
    expect("release" in queue.reserve("cem")).toBe(true);
  });

  it("hands a reservation's end (the shared lease) to its reply, and runs it once whichever way it ends", async () => {
    const queue = new GenerationQueue({ perUser: 5, perServer: 1, queue: 5 });
    const ended: string[] = [];
    const failedSend = admitted(queue.reserve("ann", () => ended.push("failed send")));
    failedSend.release();
    failedSend.release();
    const finished = admitted(queue.reserve("ann", () => ended.push("finished")));
    const release = await queue.acquire("ann", new AbortController().signal);
    finished.release();
    const controller = new AbortController();
    admitted(queue.reserve("bob", () => ended.push("stopped while waiting")));
    const waiting = queue.acquire("bob", controller.signal);
    controller.abort();
    await expect(waiting).rejects.toBeDefined();
    release();
    release();
    expect(ended).toEqual(["failed send", "stopped while waiting", "finished"]);
  });
});
