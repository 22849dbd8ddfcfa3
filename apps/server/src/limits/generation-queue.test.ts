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

/** A reply waiting in the queue, recording the places it is told and when it starts. */
function queueReply(queue: GenerationQueue, userId: string, name: string, startOrder: string[]) {
  const reservation = admitted(queue.reserve(userId));
  const places: number[] = [];
  let release: (() => void) | null = null;
  const started = queue
    .acquire(userId, new AbortController().signal, name, (ahead) => places.push(ahead))
    .then((done) => {
      startOrder.push(name);
      release = done;
    });
  reservation.release();
  return { name, places, started, finish: () => release?.() };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("GenerationQueue fairness", () => {
  it("serves users in turn: one reply of a user behind five of another starts after at most one of them", async () => {
    const queue = new GenerationQueue({ perUser: 10, perServer: 1, queue: 20 });
    const order: string[] = [];
    const first = queueReply(queue, "ann", "ann-0", order);
    await first.started;
    const anns = [1, 2, 3, 4, 5].map((index) => queueReply(queue, "ann", `ann-${index}`, order));
    const bob = queueReply(queue, "bob", "bob-0", order);
    await settle();
    expect(queue.waitingAheadOf("bob-0")).toBe(1);
    expect(queue.waitingAheadOf("ann-5")).toBe(5);
    const running = [first, ...anns, bob];
    for (let step = 0; step < 6; step += 1) {
      running.find((reply) => reply.name === order.at(-1))!.finish();
      await settle();
    }
    expect(order).toEqual(["ann-0", "ann-1", "bob-0", "ann-2", "ann-3", "ann-4", "ann-5"]);
    // Told at once, then each time it moved up; nothing once it started.
    expect(bob.places).toEqual([1, 0]);
    expect(anns[4]!.places).toEqual([4, 5, 4, 3, 2, 1, 0]);
  });

  it("a user who comes back goes behind the users already waiting", async () => {
    const queue = new GenerationQueue({ perUser: 10, perServer: 1, queue: 20 });
    const order: string[] = [];
    const running = queueReply(queue, "ann", "ann-0", order);
    await running.started;
    const replies = [queueReply(queue, "bob", "bob-0", order), queueReply(queue, "cem", "cem-0", order), queueReply(queue, "ann", "ann-1", order), queueReply(queue, "bob", "bob-1", order)];
    await settle();
    expect(replies.map((reply) => queue.waitingAheadOf(reply.name))).toEqual([0, 1, 2, 3]);
    for (const reply of [running, ...replies]) {
      reply.finish();
      await settle();
    }
    expect(order).toEqual(["ann-0", "bob-0", "cem-0", "ann-1", "bob-1"]);
  });

  it("runs as many as the pool can (healthy hosts × slots) when that is below perServer, following it", async () => {
    let capacity: number | null = 2;
    const listeners = new Set<() => void>();
    const queue = new GenerationQueue({ perUser: 0, perServer: 8, queue: 10 });
    queue.followCapacity({ capacity: () => capacity, onCapacityChange: (listener) => (listeners.add(listener), () => listeners.delete(listener)) });
    const order: string[] = [];
    const replies = ["a", "b", "c", "d"].map((user) => queueReply(queue, user, user, order));
    await settle();
    expect(queue.runningCount).toBe(2);
    expect(queue.waitingCount).toBe(2);
    capacity = 3;
    for (const listener of listeners) listener();
    await settle();
    expect(order).toEqual(["a", "b", "c"]);
    // Unknown slots per host: perServer alone again.
    capacity = null;
    for (const listener of listeners) listener();
    await settle();
    expect(queue.runningCount).toBe(4);
    expect(replies[3]!.places).toEqual([1, 0]);
    queue.close();
  });

  it("tells a waiting reply its place again after a quiet while (the stream's keep-alive)", async () => {
    const queue = new GenerationQueue({ perUser: 0, perServer: 1, queue: 5, placeRepeatMs: 30 });
    const order: string[] = [];
    await queueReply(queue, "ann", "ann-0", order).started;
    const waiting = queueReply(queue, "bob", "bob-0", order);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(waiting.places.length).toBeGreaterThanOrEqual(3);
    expect(new Set(waiting.places)).toEqual(new Set([0]));
    queue.close();
  });
});
