import { randomBytes } from "node:crypto";
import { LRUCache } from "lru-cache";
import { keyBytes } from "./aes-gcm.ts";
import { DataKeyGoneError } from "./errors/data-key-gone-error.ts";
import { unwrapDataKey, wrapDataKey } from "./key-wrapping.ts";
import type { MasterKeys } from "./master-keys.ts";
import type { StoredUserKey, UserKeyStore } from "./user-key-store.ts";

export interface DataKeyringOptions {
  store: UserKeyStore;
  masterKeys: MasterKeys;
  /** Users whose unwrapped keys stay in memory (least recently used go first). */
  cachedUsers?: number;
  /**
   * How long a user's unwrapped keys and current version are trusted before being read
   * again: a rotation or erasure done by another instance is seen within this time.
   */
  cacheTtlMs?: number;
}

interface CachedUser {
  /** The newest version, once read; new values are encrypted under it. */
  current: number | null;
  keys: Map<number, Buffer>;
}

export interface CurrentDataKey {
  version: number;
  key: Buffer;
}

/**
 * Each user's data keys: random 256-bit keys, stored wrapped by the master key, unwrapped
 * on demand and kept in a bounded cache. A user's first key is created on first use.
 */
export class DataKeyring {
  readonly masterKeys: MasterKeys;
  private readonly store: UserKeyStore;
  private readonly cache: LRUCache<string, CachedUser>;
  private readonly loading = new Map<string, Promise<CurrentDataKey | Buffer>>();

  constructor(options: DataKeyringOptions) {
    this.store = options.store;
    this.masterKeys = options.masterKeys;
    this.cache = new LRUCache({ max: options.cachedUsers ?? 10_000, ttl: options.cacheTtlMs ?? 300_000 });
  }

  /** The key new values of this user are encrypted with (created on first use). */
  async currentKey(userId: string): Promise<CurrentDataKey> {
    const cached = this.cache.get(userId);
    const key = cached?.current != null ? cached.keys.get(cached.current) : undefined;
    if (cached?.current != null && key) return { version: cached.current, key };
    return (await this.once(`${userId}\u0000current`, () => this.loadCurrent(userId))) as CurrentDataKey;
  }

  /** The key of one version, for reading values written under it. Throws DataKeyGoneError when it no longer exists. */
  async keyForVersion(userId: string, version: number): Promise<Buffer> {
    const key = this.cache.get(userId)?.keys.get(version);
    if (key) return key;
    return (await this.once(`${userId}\u0000${version}`, () => this.loadVersion(userId, version))) as Buffer;
  }

  /** The user's newest version, or null when they have no key. Reads the store, not the cache. */
  async currentVersion(userId: string): Promise<number | null> {
    return (await this.store.findCurrent(userId))?.version ?? null;
  }

  /** Data-key rotation: a new version becomes current; older ones stay readable until retired. */
  async rotate(userId: string): Promise<number> {
    for (;;) {
      const current = await this.store.findCurrent(userId);
      const created = await this.create(userId, (current?.version ?? 0) + 1);
      if (created) return created.version;
    }
  }

  /** Deletes the versions below `version`: call once no value is encrypted under them (see reencryptValues). */
  async retireVersionsBelow(userId: string, version: number): Promise<number> {
    const deleted = await this.store.deleteVersionsBelow(userId, version);
    this.forget(userId);
    return deleted;
  }

  /** Crypto-erasure: deletes every key of the user, so their encrypted text can never be read again. */
  async erase(userId: string): Promise<number> {
    this.forget(userId);
    const deleted = await this.store.deleteAllForUser(userId);
    this.forget(userId);
    return deleted;
  }

  /** Drops the user's unwrapped keys from memory (erasure, or a change made elsewhere). */
  forget(userId: string): void {
    this.cache.delete(userId);
    for (const name of [...this.loading.keys()]) if (name.startsWith(`${userId}\u0000`)) this.loading.delete(name);
  }

  /** One load per key at a time; a load that `forget` overtook does not fill the cache. */
  private once<T extends CurrentDataKey | Buffer>(name: string, load: () => Promise<T>): Promise<T> {
    const running = this.loading.get(name);
    if (running) return running as Promise<T>;
    const started = load().finally(() => {
      if (this.loading.get(name) === started) this.loading.delete(name);
    });
    this.loading.set(name, started);
    return started;
  }

  private async loadCurrent(userId: string): Promise<CurrentDataKey> {
    const entry = this.entryFor(userId);
    for (;;) {
      const row = await this.store.findCurrent(userId);
      const current = row ? { version: row.version, key: this.unwrap(row) } : await this.create(userId, 1);
      if (!current) continue;
      this.remember(userId, entry, current.version, current.key, true);
      return current;
    }
  }

  private async loadVersion(userId: string, version: number): Promise<Buffer> {
    const entry = this.entryFor(userId);
    const row = await this.store.findByVersion(userId, version);
    if (!row) throw new DataKeyGoneError(userId, version);
    const key = this.unwrap(row);
    this.remember(userId, entry, version, key, false);
    return key;
  }

  /** Null when another writer created that version first. */
  private async create(userId: string, version: number): Promise<CurrentDataKey | null> {
    const key = randomBytes(keyBytes);
    const wrapping = wrapDataKey(key, { userId, version }, this.masterKeys);
    if (!(await this.store.insert({ userId, version, ...wrapping }))) return null;
    this.remember(userId, this.entryFor(userId), version, key, true);
    return { version, key };
  }

  private unwrap(row: StoredUserKey): Buffer {
    return unwrapDataKey(row.wrappedKey, { userId: row.userId, version: row.version }, row.masterVersion, this.masterKeys);
  }

  private entryFor(userId: string): CachedUser {
    const existing = this.cache.get(userId);
    if (existing) return existing;
    const entry: CachedUser = { current: null, keys: new Map() };
    this.cache.set(userId, entry);
    return entry;
  }

  private remember(userId: string, entry: CachedUser, version: number, key: Buffer, isCurrent: boolean): void {
    // Forgotten (erased) or evicted while the key was being read: do not bring it back.
    if (this.cache.peek(userId) !== entry) return;
    entry.keys.set(version, key);
    if (isCurrent && (entry.current === null || version >= entry.current)) entry.current = version;
  }
}
