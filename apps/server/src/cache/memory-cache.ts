import { LRUCache } from "lru-cache";
import type { MemoryCache } from "@recall/memory";

export interface CacheStats {
  backend: "memory" | "redis";
  /** Redis unreachable: serving from process memory until it is back. */
  degraded: boolean;
  hits: number;
  misses: number;
  errors: number;
}

/** A cache the server can also clear by key prefix and report on. */
export interface ServerCache extends MemoryCache {
  deleteByPrefix(prefix: string): Promise<void>;
  stats(): CacheStats;
  close(): Promise<void>;
}

/** In-process LRU with a TTL per entry: the default cache, and Redis's stand-in while it is down. */
export class LruCache implements ServerCache {
  private readonly entries: LRUCache<string, string>;
  private hits = 0;
  private misses = 0;

  constructor(maxEntries: number, now: () => number = Date.now) {
    this.entries = new LRUCache<string, string>({
      max: maxEntries,
      perf: { now },
      // Read the clock on every look-up: an entry is gone the moment its TTL is up.
      ttlResolution: 0,
    });
  }

  async get(key: string): Promise<string | undefined> {
    return this.getNow(key);
  }

  getNow(key: string): string | undefined {
    const value = this.entries.get(key);
    if (value === undefined) this.misses += 1;
    else this.hits += 1;
    return value;
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    this.setNow(key, value, ttlSeconds);
  }

  setNow(key: string, value: string, ttlSeconds: number): void {
    if (!(ttlSeconds > 0)) {
      this.entries.delete(key);
      return;
    }
    // lru-cache keeps an entry while its age is at most `ttl`; ours expire when the TTL is up, as in Redis.
    this.entries.set(key, value, { ttl: Math.max(1, Math.round(ttlSeconds * 1000) - 1) });
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async deleteByPrefix(prefix: string): Promise<void> {
    this.deleteByPrefixNow(prefix);
  }

  deleteByPrefixNow(prefix: string): void {
    for (const key of [...this.entries.keys()]) if (key.startsWith(prefix)) this.entries.delete(key);
  }

  stats(): CacheStats {
    return { backend: "memory", degraded: false, hits: this.hits, misses: this.misses, errors: 0 };
  }

  async close(): Promise<void> {
    this.entries.clear();
  }
}
