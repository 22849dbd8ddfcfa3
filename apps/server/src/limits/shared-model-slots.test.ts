import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../env.ts";
import { openStreamsConnection } from "../streams/redis-connections.ts";
import type { SharedSlotOutcome } from "./generation-queue.ts";
import { openSharedModelSlots, RedisModelSlots, type RedisModelSlotsOptions } from "./shared-model-slots.ts";

// The machine's Redis, each test under a prefix of its own (removed after).
const redisUrl = process.env.RECALL_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const opened: Array<{ slots: RedisModelSlots; connections: Redis[] }> = [];
const prefixes: string[] = [];
const silent = { info: () => undefined, warn: () => undefined };

afterEach(async () => {
  for (const instance of opened.splice(0)) {
    await instance.slots.close();
    for (const connection of instance.connections) connection.disconnect();
  }
  const admin = new Redis(redisUrl);
  for (const prefix of prefixes.splice(0)) {
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
  }
  admin.disconnect();
});

function newPrefix(): string {
  const prefix = `recall-test-slots-${randomBytes(4).toString("hex")}:`;
  prefixes.push(prefix);
  return prefix;
}

/** One instance's view of the shared slots: connections of its own, as a separate process has. */
async function instance(prefix: string, options: Partial<RedisModelSlotsOptions> = {}, url = redisUrl): Promise<{ slots: RedisModelSlots; command: Redis; subscriber: Redis }> {
  const connection = { url, database: 0, prefix };
  const command = openStreamsConnection(connection, "slots-test", { commandTimeoutMs: 1000 });
  const subscriber = openStreamsConnection(connection, "slots-test-freed");
  const slots = new RedisModelSlots(command, subscriber, {
    slotsPerHost: 2,
    candidateHosts: () => ["http://host-a:11434"],
    leaseMs: 10_000,
    retryMs: 60_000,
    keyPrefix: prefix,
    logger: silent,
    ...options,
  });
  opened.push({ slots, connections: [command, subscriber] });
  if (url === redisUrl) await Promise.all([waitReady(command), waitReady(subscriber)]);
  return { slots, command, subscriber };
}

async function waitReady(redis: Redis): Promise<void> {
  if (redis.status !== "ready") await new Promise((resolve) => redis.once("ready", resolve));
}

const call = { model: "llama3.2", numCtx: 2048, affinityKey: "chat-1" };
const taken = (outcome: SharedSlotOutcome): Extract<SharedSlotOutcome, { kind: "taken" }> => {
  if (outcome.kind !== "taken") throw new Error(`expected a slot, got ${outcome.kind}`);
  return outcome;
};

describe("RedisModelSlots", () => {
  it("grants exactly the host's slots to many instances taking at once, and one more after a release", async () => {
    const prefix = newPrefix();
    const instances = await Promise.all([instance(prefix), instance(prefix), instance(prefix)]);
    const outcomes = await Promise.all(Array.from({ length: 30 }, (_, index) => instances[index % 3]!.slots.take(call)));
    const granted = outcomes.filter((outcome) => outcome.kind === "taken");
    expect(granted).toHaveLength(2);
    expect(outcomes.filter((outcome) => outcome.kind === "full")).toHaveLength(28);
    expect((await instances[0]!.slots.take(call)).kind).toBe("full");

    taken(granted[0]!).release();
    expect(taken(await instances[2]!.slots.take(call)).host).toBe("http://host-a:11434");
    expect((await instances[1]!.slots.take(call)).kind).toBe("full");
  });

  it("takes the first host in the pool's order with a slot free, and counts each model apart", async () => {
    const prefix = newPrefix();
    const { slots } = await instance(prefix, { slotsPerHost: 1, candidateHosts: () => ["http://a:11434", "http://b:11434"] });
    expect(taken(await slots.take(call)).host).toBe("http://a:11434");
    expect(taken(await slots.take(call)).host).toBe("http://b:11434");
    expect((await slots.take(call)).kind).toBe("full");
    // `llama3.2` and `llama3.2:latest` are one model; another model has slots of its own.
    expect((await slots.take({ model: "llama3.2:latest" })).kind).toBe("full");
    expect(taken(await slots.take({ model: "qwen3" })).host).toBe("http://a:11434");
  });

  it("keeps a live holder's slots through renewals and frees a dead instance's once its leases lapse", async () => {
    const prefix = newPrefix();
    const alive = await instance(prefix, { slotsPerHost: 1, leaseMs: 600 });
    const dying = await instance(prefix, { slotsPerHost: 1, leaseMs: 600, candidateHosts: () => ["http://host-b:11434"] });
    const other = await instance(prefix, { slotsPerHost: 1, leaseMs: 600, candidateHosts: () => ["http://host-a:11434", "http://host-b:11434"] });
    taken(await alive.slots.take(call));
    taken(await dying.slots.take(call));
    // The instance dies: no release, no renewals any more.
    dying.command.disconnect();
    dying.subscriber.disconnect();

    await new Promise((resolve) => setTimeout(resolve, 1500));
    // Host a's slot was renewed all along; host b's lapsed with its instance.
    expect(taken(await other.slots.take(call)).host).toBe("http://host-b:11434");
    expect((await other.slots.take(call)).kind).toBe("full");
  });

  it("tells waiters on another instance at once when a slot frees (not only on the periodic retry)", async () => {
    const prefix = newPrefix();
    const holder = await instance(prefix, { slotsPerHost: 1 });
    const waiter = await instance(prefix, { slotsPerHost: 1 });
    const slot = taken(await holder.slots.take(call));
    expect((await waiter.slots.take(call)).kind).toBe("full");

    const told = new Promise<number>((resolve) => {
      const startedAt = Date.now();
      waiter.slots.onMaybeFree(() => resolve(Date.now() - startedAt));
    });
    slot.release();
    expect(await told).toBeLessThan(500);
    expect(taken(await waiter.slots.take(call)).host).toBe("http://host-a:11434");
  });

  it("counts a running call again after Redis lost its lease (restart, flush)", async () => {
    const prefix = newPrefix();
    const holder = await instance(prefix, { slotsPerHost: 1, leaseMs: 600 });
    const other = await instance(prefix, { slotsPerHost: 1, leaseMs: 600 });
    taken(await holder.slots.take(call));
    await holder.command.del(...(await holder.command.keys(`${prefix}slots:*`)));
    // Until the next renewal the slot looks free; after it, the running call counts again.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect((await other.slots.take(call)).kind).toBe("full");
  });

  it("answers at once, without waiting on Redis, when Redis is unreachable, and logs that once", async () => {
    const warnings: string[] = [];
    const logger = { info: () => undefined, warn: (_object: object, message?: string) => void warnings.push(message ?? "") };
    const { slots } = await instance(newPrefix(), { logger }, "redis://127.0.0.1:1");
    const startedAt = Date.now();
    expect((await slots.take(call)).kind).toBe("unavailable");
    expect((await slots.take(call)).kind).toBe("unavailable");
    expect(Date.now() - startedAt).toBeLessThan(200);
    expect(warnings).toHaveLength(1);
  });
});

describe("RECALL_SHARED_SLOTS", () => {
  const scaled = { REDIS_URL: redisUrl, RECALL_EVENT_LOG: "redis", OLLAMA_NUM_PARALLEL: "2" };
  const pool = { candidateHosts: () => ["http://host-a:11434"] };

  it("is on by default with the Redis event log (several instances), off with one instance, and can be turned off", () => {
    expect(loadConfig(scaled).sharedSlots).toBe(true);
    expect(loadConfig({ ...scaled, RECALL_SHARED_SLOTS: "off" }).sharedSlots).toBe(false);
    expect(loadConfig({ REDIS_URL: redisUrl, OLLAMA_NUM_PARALLEL: "2" }).sharedSlots).toBe(false);
    expect(loadConfig({ REDIS_URL: redisUrl, OLLAMA_NUM_PARALLEL: "2", RECALL_SHARED_SLOTS: "on" }).sharedSlots).toBe(true);
    expect(() => loadConfig({ RECALL_SHARED_SLOTS: "yes" })).toThrow(/RECALL_SHARED_SLOTS is on or off/);
  });

  it("refuses on without Redis or without the slots per host, with what to set", () => {
    expect(() => loadConfig({ OLLAMA_NUM_PARALLEL: "2", RECALL_SHARED_SLOTS: "on" })).toThrow(ConfigError);
    expect(() => loadConfig({ REDIS_URL: redisUrl, RECALL_SHARED_SLOTS: "on" })).toThrow(/needs REDIS_URL .* and OLLAMA_NUM_PARALLEL/);
  });

  it("opens nothing (each instance counts its own calls) when off, with no pool, or with the slots per host unknown", async () => {
    expect(openSharedModelSlots(loadConfig({ ...scaled, RECALL_SHARED_SLOTS: "off" }), pool, silent)).toBeNull();
    expect(openSharedModelSlots(loadConfig(scaled), null, silent)).toBeNull();
    expect(openSharedModelSlots(loadConfig({ REDIS_URL: redisUrl, RECALL_EVENT_LOG: "redis" }), pool, silent)).toBeNull();
    const opened = openSharedModelSlots(loadConfig(scaled), pool, silent, newPrefix());
    expect(opened?.slots).toBeInstanceOf(RedisModelSlots);
    await opened?.close();
  });
});
