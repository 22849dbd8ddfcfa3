import { Redis } from "ioredis";
import { LruCache, type CacheStats, type ServerCache } from "./memory-cache.ts";

export interface RedisCacheOptions {
  url: string;
  /** The Redis database number to use. */
  database: number;
  /** Fallback LRU size while Redis is unreachable. */
  fallbackEntries: number;
  /** How long a command may take before the cache answers from memory instead. */
  commandTimeoutMs?: number;
  onStateChange?: (state: "connected" | "degraded") => void;
}

const retryDelaysMs = { first: 100, max: 3000, tries: 10 };
/** After the quick retries give up, how often to try again. */
const slowRetryMs = 30_000;

/**
 * Redis as a shared cache, never the only copy of anything: every failure (down,
 * slow, lost mid-run) falls back to process memory and the caller rebuilds from the
 * database, so no request fails because the cache did. Reconnects with exponential
 * backoff (100 ms to 3 s, 10 tries), then keeps trying every 30 s.
 */
export class RedisCache implements ServerCache {
  private readonly redis: Redis;
  private readonly fallback: LruCache;
  /** Until the first `ready`, and whenever the connection is gone: answer from memory. */
  private degraded = true;
  private slowRetry: NodeJS.Timeout | null = null;
  private replayTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private counts = { hits: 0, misses: 0, errors: 0 };
  /** Deletes that could not reach Redis: replayed on reconnect, so it never serves what the database has since changed. */
  private readonly missedDeletes = { keys: new Set<string>(), prefixes: new Set<string>() };

  constructor(private readonly options: RedisCacheOptions) {
    this.fallback = new LruCache(options.fallbackEntries);
    this.redis = new Redis(options.url, {
      db: options.database,
      lazyConnect: false,
      // Fail fast instead of queueing while disconnected: the fallback answers.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs ?? 250,
      retryStrategy: (times) => (times > retryDelaysMs.tries ? null : Math.min(retryDelaysMs.first * 2 ** (times - 1), retryDelaysMs.max)),
    });
    this.redis.on("ready", () => this.setDegraded(false));
    this.redis.on("error", () => this.setDegraded(true));
    this.redis.on("close", () => this.setDegraded(true));
    this.redis.on("end", () => {
      this.setDegraded(true);
      this.scheduleSlowRetry();
    });
  }

  async get(key: string): Promise<string | undefined> {
    if (this.degraded) return this.fallback.getNow(key);
    try {
      const value = await this.redis.get(key);
      if (value === null) this.counts.misses += 1;
      else this.counts.hits += 1;
      return value ?? undefined;
    } catch {
      // Connected but slow (a busy event loop, a slow Redis): a miss, so the caller reads
      // the database. The local copy could be one another instance has since invalidated.
      this.counts.errors += 1;
      this.counts.misses += 1;
      return undefined;
    }
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    // Kept in memory too: if Redis goes away, recent state is still at hand.
    this.fallback.setNow(key, value, ttlSeconds);
    if (this.degraded) return;
    try {
      await this.redis.set(key, value, "EX", Math.max(1, Math.round(ttlSeconds)));
    } catch {
      this.counts.errors += 1;
    }
  }

  async delete(key: string): Promise<void> {
    await this.fallback.delete(key);
    if (this.degraded) {
      this.missedDeletes.keys.add(key);
      return;
    }
    try {
      await this.redis.del(key);
    } catch {
      this.counts.errors += 1;
      this.missedDeletes.keys.add(key);
      this.scheduleReplay();
    }
  }

  async deleteByPrefix(prefix: string): Promise<void> {
    this.fallback.deleteByPrefixNow(prefix);
    if (this.degraded) {
      this.missedDeletes.prefixes.add(prefix);
      return;
    }
    try {
      await this.deleteInRedis(prefix);
    } catch {
      this.counts.errors += 1;
      this.missedDeletes.prefixes.add(prefix);
      this.scheduleReplay();
    }
  }

  private async deleteInRedis(prefix: string): Promise<void> {
    let cursor = "0";
    do {
      const [next, keys] = await this.redis.scan(cursor, "MATCH", `${escapeGlob(prefix)}*`, "COUNT", 200);
      cursor = next;
      if (keys.length > 0) await this.redis.del(...keys);
    } while (cursor !== "0");
  }

  stats(): CacheStats {
    const fallback = this.fallback.stats();
    return {
      backend: "redis",
      degraded: this.degraded,
      hits: this.counts.hits + (this.degraded ? fallback.hits : 0),
      misses: this.counts.misses + (this.degraded ? fallback.misses : 0),
      errors: this.counts.errors,
    } satisfies CacheStats;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.slowRetry) clearTimeout(this.slowRetry);
    if (this.replayTimer) clearTimeout(this.replayTimer);
    this.redis.disconnect();
    await this.fallback.close();
  }

  private setDegraded(degraded: boolean): void {
    if (this.degraded === degraded) return;
    this.degraded = degraded;
    if (!degraded) void this.replayMissedDeletes();
    this.options.onStateChange?.(degraded ? "degraded" : "connected");
  }

  private async replayMissedDeletes(): Promise<void> {
    const keys = [...this.missedDeletes.keys];
    const prefixes = [...this.missedDeletes.prefixes];
    this.missedDeletes.keys.clear();
    this.missedDeletes.prefixes.clear();
    try {
      if (keys.length > 0) await this.redis.del(...keys);
      for (const prefix of prefixes) await this.deleteInRedis(prefix);
    } catch {
      // Failed again: keep them for the next try.
      for (const key of keys) this.missedDeletes.keys.add(key);
      for (const prefix of prefixes) this.missedDeletes.prefixes.add(prefix);
      this.scheduleReplay();
    }
  }

  /** A delete that timed out on a live connection: try again shortly rather than wait for a reconnect. */
  private scheduleReplay(): void {
    if (this.replayTimer || this.closed) return;
    this.replayTimer = setTimeout(() => {
      this.replayTimer = null;
      if (!this.degraded) void this.replayMissedDeletes();
    }, 1000);
    this.replayTimer.unref();
  }

  private scheduleSlowRetry(): void {
    if (this.closed || this.slowRetry) return;
    this.slowRetry = setTimeout(() => {
      this.slowRetry = null;
      this.redis.connect().catch(() => this.scheduleSlowRetry());
    }, slowRetryMs);
    this.slowRetry.unref();
  }
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (character) => `\\${character}`);
}
