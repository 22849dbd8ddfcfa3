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

interface Entry {
  value: string;
  expiresAt: number;
}

/** In-process LRU with a TTL per entry: the default cache, and Redis's stand-in while it is down. */
export class LruCache implements ServerCache {
  private readonly entries = new Map<string, Entry>();
  private hits = 0;
  private misses = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  async get(key: string): Promise<string | undefined> {
    return this.getNow(key);
  }

  getNow(key: string): string | undefined {
    const entry = this.entries.get(key);
    if (!entry || entry.expiresAt <= this.now()) {
      if (entry) this.entries.delete(key);
      this.misses += 1;
      return undefined;
    }
    // Re-insert: the Map's order is the recency order.
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.hits += 1;
    return entry.value;
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    this.setNow(key, value, ttlSeconds);
  }

  setNow(key: string, value: string, ttlSeconds: number): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.now() + ttlSeconds * 1000 });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
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
