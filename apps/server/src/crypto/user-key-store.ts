/** One wrapped data key of a user, as stored. */
export interface StoredUserKey {
  userId: string;
  version: number;
  wrappedKey: string;
  masterVersion: number;
  createdAt: Date;
}

export type NewUserKey = Omit<StoredUserKey, "createdAt">;

export interface UserKeyCursor {
  userId: string;
  version: number;
}

/** Where wrapped data keys live. Implementations: Prisma (`UserKey` table) and in memory (tests). */
export interface UserKeyStore {
  /** The user's highest version, or null when the user has none (never encrypted, or erased). */
  findCurrent(userId: string): Promise<StoredUserKey | null>;
  findByVersion(userId: string, version: number): Promise<StoredUserKey | null>;
  /** False when that user already has that version (a concurrent writer won): read it back instead. */
  insert(key: NewUserKey): Promise<boolean>;
  /** Crypto-erasure: every version of the user's keys. Returns how many rows went. */
  deleteAllForUser(userId: string): Promise<number>;
  /** Retires the versions below `version` once nothing is encrypted under them any more. */
  deleteVersionsBelow(userId: string, version: number): Promise<number>;
  /** Keys not wrapped by `masterVersion`, ordered by (userId, version), after the cursor. */
  listForRewrap(query: { notMasterVersion: number; after: UserKeyCursor | null; limit: number }): Promise<StoredUserKey[]>;
  /** Compare-and-set: replaces the wrapping only while the row is still wrapped by `expectedMasterVersion`. */
  updateWrapping(key: UserKeyCursor, expectedMasterVersion: number, wrapping: { wrappedKey: string; masterVersion: number }): Promise<boolean>;
  /** How many keys each master version wraps: an old master key may be removed when its count is 0. */
  countByMasterVersion(): Promise<Map<number, number>>;
}
