import { randomUUID } from "node:crypto";
import { canonicalModelName, type OllamaPool } from "@recall/ollama";
import type { Redis } from "ioredis";
import type { RecallConfig } from "../env.ts";
import { openStreamsConnection } from "../streams/redis-connections.ts";
import type { ModelCall, SharedSlotOutcome, SharedSlots } from "./generation-slots.ts";

/**
 * Takes a lease in the first of KEYS (best host first) holding fewer than ARGV[2] live leases;
 * expired leases are dropped first. Times are Redis's own clock, so instances' clocks may differ.
 * Returns the index (1-based) of the key taken, 0 when every host is full.
 */
const takeScript = `
  local time = redis.call('TIME')
  local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  local limit = tonumber(ARGV[2])
  for index, key in ipairs(KEYS) do
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
    if redis.call('ZCARD', key) < limit then
      redis.call('ZADD', key, now + tonumber(ARGV[1]), ARGV[3])
      redis.call('PEXPIRE', key, tonumber(ARGV[1]) * 2)
      return index
    end
  end
  return 0
`;

/** Drops a lease and, when it was there, tells every instance a slot freed. */
const releaseScript = `
  if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 then redis.call('PUBLISH', ARGV[2], KEYS[1]) end
  return 1
`;

/**
 * Pushes the leases of calls still running: KEYS[i] holds ARGV[i + 1]. Added back when missing
 * (Redis restarted, or a lease lapsed during an outage): the call runs, so it counts.
 */
const renewScript = `
  local time = redis.call('TIME')
  local expiresAt = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) + tonumber(ARGV[1])
  for index, key in ipairs(KEYS) do
    redis.call('ZADD', key, expiresAt, ARGV[index + 1])
    redis.call('PEXPIRE', key, tonumber(ARGV[1]) * 2)
  end
  return #KEYS
`;

type SlotRedis = Redis & {
  recallTakeModelSlot(...keysThenArgs: Array<string | number>): Promise<number>;
  recallReleaseModelSlot(key: string, member: string, channel: string): Promise<number>;
  recallRenewModelSlots(...keysThenArgs: Array<string | number>): Promise<number>;
};

export interface RedisModelSlotsOptions {
  /** Slots per host and model (Ollama's `OLLAMA_NUM_PARALLEL`). */
  slotsPerHost: number;
  /** The pool's hosts for a call, best first, its own slot count left out (`OllamaPool.candidateHosts`). */
  candidateHosts: (call: ModelCall) => readonly string[];
  /** A lease not renewed for this long lapses (its instance died); renewed every third of it. */
  leaseMs: number;
  /** How often waiters retry without a "slot freed" message (missed messages, lapsed leases). Default 1 s. */
  retryMs?: number;
  /** Each deployment (and test) its own keys. Default `recall:`. */
  keyPrefix?: string;
  logger: { info(object: object, message?: string): void; warn(object: object, message?: string): void };
}

/**
 * Ollama slots counted across every instance sharing Redis: per host and model, a sorted set of
 * leases (score: expiry) taken by one Lua script only while fewer than `slotsPerHost` are live,
 * renewed while the call runs, dropped when it ends (publishing "slot freed"); a crashed
 * instance's leases lapse after `leaseMs`. `command` should fail fast while Redis is away (no
 * offline queue): the queue then counts on its own (degraded, logged once) and never waits on Redis.
 */
export class RedisModelSlots implements SharedSlots {
  private readonly held = new Map<string, string>();
  private readonly listeners = new Set<() => void>();
  private readonly renewer: NodeJS.Timeout;
  private readonly retrier: NodeJS.Timeout;
  private readonly prefix: string;
  private readonly channel: string;
  private degraded = false;

  constructor(
    private readonly command: Redis,
    private readonly subscriber: Redis,
    private readonly options: RedisModelSlotsOptions,
  ) {
    this.prefix = options.keyPrefix ?? "recall:";
    this.channel = `${this.prefix}slots:freed`;
    if (!("recallTakeModelSlot" in command)) {
      command.defineCommand("recallTakeModelSlot", { lua: takeScript });
      command.defineCommand("recallReleaseModelSlot", { numberOfKeys: 1, lua: releaseScript });
      command.defineCommand("recallRenewModelSlots", { lua: renewScript });
    }
    subscriber.on("message", (channel: string) => {
      if (channel === this.channel) this.notify();
    });
    // The connection has no offline queue: subscribe whenever it is (again) ready.
    const subscribe = (): void => void subscriber.subscribe(this.channel).catch(() => undefined);
    if (subscriber.status === "ready") subscribe();
    subscriber.on("ready", subscribe);
    // Back after an outage: running calls count again at once, and waiters retry.
    command.on("ready", () => {
      void this.renew();
      this.notify();
    });
    this.renewer = setInterval(() => void this.renew(), Math.max(100, Math.floor(options.leaseMs / 3)));
    this.renewer.unref();
    this.retrier = setInterval(() => this.notify(), options.retryMs ?? 1000);
    this.retrier.unref();
  }

  /** Slot leases this instance holds now. */
  get heldCount(): number {
    return this.held.size;
  }

  async take(call: ModelCall): Promise<SharedSlotOutcome> {
    const hosts = this.options.candidateHosts(call);
    if (hosts.length === 0) return { kind: "full" };
    if (this.command.status !== "ready") return this.unavailable();
    const keys = hosts.map((host) => this.keyOf(host, call.model));
    const member = randomUUID();
    let taken: number;
    try {
      const args = [keys.length, ...keys, this.options.leaseMs, this.options.slotsPerHost, member];
      taken = await (this.command as SlotRedis).recallTakeModelSlot(...args);
    } catch {
      return this.unavailable();
    }
    this.recovered();
    if (taken < 1) return { kind: "full" };
    const key = keys[taken - 1]!;
    this.held.set(member, key);
    return { kind: "taken", host: hosts[taken - 1]!, release: () => this.release(member) };
  }

  onMaybeFree(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops renewing and retrying; leases still held are dropped (their calls were stopped first). */
  async close(): Promise<void> {
    clearInterval(this.renewer);
    clearInterval(this.retrier);
    this.listeners.clear();
    await Promise.all([...this.held.keys()].map((member) => this.release(member)));
  }

  private keyOf(host: string, model: string): string {
    return `${this.prefix}slots:${host}|${canonicalModelName(model)}`;
  }

  private async release(member: string): Promise<void> {
    const key = this.held.get(member);
    if (key === undefined) return;
    this.held.delete(member);
    // Unreachable: the lease lapses by itself; waiters here retry on the timer meanwhile.
    await (this.command as SlotRedis).recallReleaseModelSlot(key, member, this.channel).catch(() => undefined);
    // Waiters on this instance need not wait for the message to come back.
    this.notify();
  }

  private async renew(): Promise<void> {
    if (this.held.size === 0 || this.command.status !== "ready") return;
    const keys = [...this.held.values()];
    const members = [...this.held.keys()];
    await (this.command as SlotRedis).recallRenewModelSlots(keys.length, ...keys, this.options.leaseMs, ...members).catch(() => undefined);
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }

  private unavailable(): SharedSlotOutcome {
    if (!this.degraded) {
      this.degraded = true;
      this.options.logger.warn({ slots: "degraded" }, "Redis unreachable: Ollama slots are counted by each instance on its own until it is back");
    }
    return { kind: "unavailable" };
  }

  private recovered(): void {
    if (!this.degraded) return;
    this.degraded = false;
    this.options.logger.info({ slots: "shared" }, "Redis back: Ollama slots are counted across instances again");
  }
}

/**
 * The shared slots when the configuration asks for them (`RECALL_SHARED_SLOTS`, on by default
 * with the Redis event log) and the pool knows the slots per host; null otherwise (each
 * instance counts its own calls, as with one instance).
 */
export function openSharedModelSlots(
  config: Pick<RecallConfig, "sharedSlots" | "redisUrl" | "redisDatabase" | "ollamaNumParallel" | "replyLeaseMs">,
  pool: Pick<OllamaPool, "candidateHosts"> | null,
  logger: RedisModelSlotsOptions["logger"],
  keyPrefix = "recall:",
): { slots: RedisModelSlots; close(): Promise<void> } | null {
  if (config.sharedSlots && config.ollamaNumParallel === null) {
    logger.info({ slots: "per-instance" }, "Ollama slots are counted by each instance: set OLLAMA_NUM_PARALLEL (as on the hosts) to count them across instances");
  }
  if (!config.sharedSlots || !config.redisUrl || !pool || config.ollamaNumParallel === null) return null;
  const connection = { url: config.redisUrl, database: config.redisDatabase, prefix: keyPrefix };
  const command = openStreamsConnection(connection, "slots", { commandTimeoutMs: 1000 });
  const subscriber = openStreamsConnection(connection, "slots-freed");
  const slots = new RedisModelSlots(command, subscriber, {
    slotsPerHost: config.ollamaNumParallel,
    candidateHosts: (call) => pool.candidateHosts(call),
    leaseMs: config.replyLeaseMs,
    keyPrefix,
    logger,
  });
  return {
    slots,
    async close() {
      await slots.close();
      command.disconnect();
      subscriber.disconnect();
    },
  };
}
