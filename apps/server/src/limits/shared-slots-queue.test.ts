import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { openStreamsConnection } from "../streams/redis-connections.ts";
import { waitFor } from "../testing/harness.ts";
import { GenerationQueue, type ModelCall, type SlotRelease } from "./generation-queue.ts";
import { RedisModelSlots } from "./shared-model-slots.ts";

// Two GenerationQueues, each with its own connections, stand for two instances sharing Redis.
const redisUrl = process.env.RECALL_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const host = "http://host-a:11434";
const cleanups: Array<() => Promise<void> | void> = [];
const silent = { info: () => undefined, warn: () => undefined };

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function newPrefix(): string {
  const prefix = `recall-test-queue-slots-${randomBytes(4).toString("hex")}:`;
  cleanups.push(async () => {
    const admin = new Redis(redisUrl);
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
    admin.disconnect();
  });
  return prefix;
}

/** An instance's queue: local slots as the pool sizes them, shared slots in Redis (retry timer off unless asked). */
async function instanceQueue(prefix: string, options: { localSlots: number; slotsPerHost: number; url?: string; retryMs?: number }): Promise<GenerationQueue> {
  const connection = { url: options.url ?? redisUrl, database: 0, prefix };
  const command = openStreamsConnection(connection, "queue-test", { commandTimeoutMs: 1000 });
  const subscriber = openStreamsConnection(connection, "queue-test-freed");
  const slots = new RedisModelSlots(command, subscriber, {
    slotsPerHost: options.slotsPerHost,
    candidateHosts: () => [host],
    leaseMs: 10_000,
    retryMs: options.retryMs ?? 60_000,
    keyPrefix: prefix,
    logger: silent,
  });
  const queue = new GenerationQueue({ perUser: 0, perServer: 0, queue: 50 });
  queue.followCapacity({ capacity: () => options.localSlots, onCapacityChange: () => () => undefined });
  queue.shareSlots(slots);
  cleanups.push(async () => {
    queue.close();
    await slots.close();
    command.disconnect();
    subscriber.disconnect();
  });
  if (!options.url) await Promise.all([command, subscriber].map((redis) => (redis.status === "ready" ? null : new Promise((resolve) => redis.once("ready", resolve)))));
  return queue;
}

interface Reply {
  name: string;
  places: number[];
  release: SlotRelease | null;
  startedAt: number | null;
  controller: AbortController;
  started: Promise<void>;
}

/** Counts replies running across every queue, and the most that ever ran at once. */
class RunningCount {
  now = 0;
  most = 0;
  begin(): void {
    this.now += 1;
    this.most = Math.max(this.most, this.now);
  }
  end(): void {
    this.now -= 1;
  }
}

function startReply(queue: GenerationQueue, name: string, running: RunningCount, call: ModelCall = { model: "llama3.2" }): Reply {
  const reservation = queue.reserve(name);
  if (!("release" in reservation)) throw new Error(`refused: ${reservation.limit}`);
  const reply: Reply = { name, places: [], release: null, startedAt: null, controller: new AbortController(), started: Promise.resolve() };
  reply.started = queue.acquire(name, reply.controller.signal, name, (ahead) => reply.places.push(ahead), call).then(
    (release) => {
      running.begin();
      reply.startedAt = Date.now();
      reply.release = release;
    },
    () => undefined,
  );
  reservation.release();
  return reply;
}

function finish(reply: Reply, running: RunningCount): void {
  running.end();
  reply.release!();
}

const settle = (ms = 150) => new Promise((resolve) => setTimeout(resolve, ms));

describe("GenerationQueue with slots shared across instances", () => {
  it("never runs more than the host's slots across two instances; waiting replies keep their place and start on either instance as slots free", async () => {
    const prefix = newPrefix();
    // Each instance alone would run 2 at once (4 together on a host with 2 slots).
    const [first, second] = await Promise.all([instanceQueue(prefix, { localSlots: 2, slotsPerHost: 2 }), instanceQueue(prefix, { localSlots: 2, slotsPerHost: 2 })]);
    const running = new RunningCount();
    const replies = ["a1", "a2", "a3", "a4"].map((name) => startReply(first, name, running)).concat(["b1", "b2", "b3", "b4"].map((name) => startReply(second, name, running)));
    await waitFor(() => running.now === 2);
    await settle();
    expect(running.now).toBe(2);
    expect(first.waitingCount + second.waitingCount).toBe(6);
    // Every waiting reply was told its place on its own instance.
    for (const reply of replies.filter((entry) => entry.release === null)) expect(reply.places.length).toBeGreaterThan(0);

    const finished: Reply[] = [];
    while (finished.length < replies.length) {
      const next = replies.find((reply) => reply.release !== null && !finished.includes(reply))!;
      finish(next, running);
      finished.push(next);
      const expected = Math.min(2, replies.length - finished.length);
      await waitFor(() => running.now === expected);
    }
    expect(running.most).toBe(2);
    // Each reply was handed the host its slot is on, so its call starts there.
    expect(new Set(replies.map((reply) => reply.release!.host))).toEqual(new Set([host]));
    // Places only count down while a reply waits.
    for (const reply of replies) expect(reply.places).toEqual([...reply.places].sort((left, right) => right - left));
  });

  it("a slot freed on one instance starts a reply waiting on the other at once (the slot-freed message, not the retry timer)", async () => {
    const prefix = newPrefix();
    const [first, second] = await Promise.all([instanceQueue(prefix, { localSlots: 2, slotsPerHost: 1 }), instanceQueue(prefix, { localSlots: 2, slotsPerHost: 1 })]);
    const running = new RunningCount();
    const holder = startReply(first, "ann", running);
    await holder.started;
    const waiter = startReply(second, "bob", running);
    await settle();
    expect(waiter.release).toBeNull();
    expect(waiter.places).toEqual([0]);

    const freedAt = Date.now();
    finish(holder, running);
    await waiter.started;
    expect(waiter.startedAt! - freedAt).toBeLessThan(500);
  });

  it("a reply stopped while it waits leaves the queue and never holds a slot", async () => {
    const prefix = newPrefix();
    const [first, second] = await Promise.all([instanceQueue(prefix, { localSlots: 2, slotsPerHost: 1 }), instanceQueue(prefix, { localSlots: 2, slotsPerHost: 1 })]);
    const running = new RunningCount();
    const holder = startReply(first, "ann", running);
    await holder.started;
    const stopped = startReply(second, "bob", running);
    const next = startReply(second, "cem", running);
    await settle();
    stopped.controller.abort();
    await stopped.started;
    expect(second.waitingCount).toBe(1);
    finish(holder, running);
    await next.started;
    expect(stopped.release).toBeNull();
    finish(next, running);
    // Nothing leaked: the one slot is free again for anyone.
    const last = startReply(first, "dan", running);
    await last.started;
    expect(last.release?.host).toBe(host);
  });

  it("a model whose hosts are full does not hold up a reply for another model behind it", async () => {
    const prefix = newPrefix();
    const queue = await instanceQueue(prefix, { localSlots: 3, slotsPerHost: 1 });
    const running = new RunningCount();
    const first = startReply(queue, "ann", running, { model: "llama3.2" });
    await first.started;
    const blocked = startReply(queue, "bob", running, { model: "llama3.2" });
    const other = startReply(queue, "cem", running, { model: "qwen3" });
    await other.started;
    expect(blocked.release).toBeNull();
    finish(first, running);
    await blocked.started;
    expect(running.most).toBe(2);
  });

  it("with Redis unreachable each instance counts on its own (degraded) and never blocks a reply", async () => {
    const queue = await instanceQueue(newPrefix(), { localSlots: 2, slotsPerHost: 1, url: "redis://127.0.0.1:1" });
    const running = new RunningCount();
    const replies = ["ann", "bob", "cem"].map((name) => startReply(queue, name, running));
    await waitFor(() => running.now === 2, 1000);
    await settle(50);
    expect(running.now).toBe(2);
    expect(replies[0]!.release?.host).toBeUndefined();
    finish(replies[0]!, running);
    await replies[2]!.started;
    expect(running.most).toBe(2);
  });
});
