import type { NewUserKey, StoredUserKey, UserKeyCursor, UserKeyStore } from "./user-key-store.ts";

/** The in-memory UserKeyStore for unit tests; behaves as the Prisma one does. */
export class MemoryUserKeyStore implements UserKeyStore {
  private readonly rows = new Map<string, StoredUserKey>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  async findCurrent(userId: string): Promise<StoredUserKey | null> {
    const keys = this.sorted().filter((row) => row.userId === userId);
    return copy(keys.at(-1) ?? null);
  }

  async findByVersion(userId: string, version: number): Promise<StoredUserKey | null> {
    return copy(this.rows.get(rowKey({ userId, version })) ?? null);
  }

  async insert(key: NewUserKey): Promise<boolean> {
    const id = rowKey(key);
    if (this.rows.has(id)) return false;
    this.rows.set(id, { ...key, createdAt: this.now() });
    return true;
  }

  async deleteAllForUser(userId: string): Promise<number> {
    return this.deleteWhere((row) => row.userId === userId);
  }

  async deleteVersionsBelow(userId: string, version: number): Promise<number> {
    return this.deleteWhere((row) => row.userId === userId && row.version < version);
  }

  async listForRewrap(query: { notMasterVersion: number; after: UserKeyCursor | null; limit: number }): Promise<StoredUserKey[]> {
    const { after } = query;
    return this.sorted()
      .filter((row) => row.masterVersion !== query.notMasterVersion)
      .filter((row) => after === null || compareCursor(row, after) > 0)
      .slice(0, query.limit)
      .map((row) => ({ ...row }));
  }

  async updateWrapping(key: UserKeyCursor, expectedMasterVersion: number, wrapping: { wrappedKey: string; masterVersion: number }): Promise<boolean> {
    const row = this.rows.get(rowKey(key));
    if (!row || row.masterVersion !== expectedMasterVersion) return false;
    this.rows.set(rowKey(key), { ...row, ...wrapping });
    return true;
  }

  async countByMasterVersion(): Promise<Map<number, number>> {
    const counts = new Map<number, number>();
    for (const row of this.rows.values()) counts.set(row.masterVersion, (counts.get(row.masterVersion) ?? 0) + 1);
    return counts;
  }

  /** Tests: replace a row's stored fields, as someone with write access to the database could. */
  overwrite(key: UserKeyCursor, fields: Partial<NewUserKey>): void {
    const row = this.rows.get(rowKey(key));
    if (!row) throw new Error(`No key ${key.userId}/${key.version}`);
    this.rows.set(rowKey(key), { ...row, ...fields });
  }

  private sorted(): StoredUserKey[] {
    return [...this.rows.values()].sort(compareCursor);
  }

  private deleteWhere(predicate: (row: StoredUserKey) => boolean): number {
    let deleted = 0;
    for (const [id, row] of this.rows) {
      if (!predicate(row)) continue;
      this.rows.delete(id);
      deleted += 1;
    }
    return deleted;
  }
}

function rowKey(key: UserKeyCursor): string {
  return JSON.stringify([key.userId, key.version]);
}

// Code-unit order, as the databases' binary collation orders ids.
function compareCursor(a: UserKeyCursor, b: UserKeyCursor): number {
  if (a.userId !== b.userId) return a.userId < b.userId ? -1 : 1;
  return a.version - b.version;
}

function copy(row: StoredUserKey | null): StoredUserKey | null {
  return row ? { ...row } : null;
}
