import { Redis } from "ioredis";

export interface StreamsRedisOptions {
  url: string;
  database: number;
  /** Key prefix, so tests (and several deployments on one Redis) never see each other's keys. */
  prefix: string;
}

/** Every key the scaled mode writes, in one place. */
export function streamKeys(prefix: string) {
  return {
    events: (messageId: string) => `${prefix}events:${messageId}`,
    owner: (messageId: string) => `${prefix}events:${messageId}:owner`,
    lease: (messageId: string) => `${prefix}lease:${messageId}`,
    watched: (messageId: string) => `${prefix}watched:${messageId}`,
    stopChannel: `${prefix}control:stop`,
    sweeperLock: `${prefix}sweeper`,
  };
}
export type StreamKeys = ReturnType<typeof streamKeys>;

/**
 * A connection that never queues while Redis is away (callers fall back at once) and keeps
 * trying to come back every second at most, so service is full again within ~1 s of Redis.
 */
export function openStreamsConnection(options: StreamsRedisOptions, purpose: string, extra: { commandTimeoutMs?: number } = {}): Redis {
  const redis = new Redis(options.url, {
    db: options.database,
    connectionName: `recall-${purpose}`,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    ...(extra.commandTimeoutMs ? { commandTimeout: extra.commandTimeoutMs } : {}),
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 10), 1000),
  });
  // Errors are reported through state changes; an unhandled 'error' event would crash the process.
  redis.on("error", () => undefined);
  return redis;
}

/** Whether the connection can take commands now (no offline queue: anything else fails fast). */
export function isReady(redis: Redis): boolean {
  return redis.status === "ready";
}
