import { beforeEach, describe, expect, it } from "vitest";
import { DataKeyGoneError } from "./errors/data-key-gone-error.ts";
import { EncryptingFieldCipher, createFieldCipher } from "./field-cipher.ts";
import { generateMasterKey, parseMasterKeys, type MasterKeys } from "./master-keys.ts";
import { MemoryUserKeyStore } from "./memory-user-key-store.ts";
import { reencryptValues, type ReencryptionSource, type StoredFieldValue } from "./reencrypt-values.ts";
import { removableMasterVersions, rewrapDataKeys } from "./rewrap-data-keys.ts";
import { parseStoredValue, type FieldContext } from "./value-format.ts";

const users = ["alice", "bob", "carol"];
const contextOf = (userId: string, rowId: string): FieldContext => ({ field: "Message.content", rowId, userId });

/** A column in memory with the compare-and-set a real table gives (`updateMany where value = expected`). */
class MemoryColumn implements ReencryptionSource {
  readonly field = "Message.content" as const;
  readonly rows = new Map<string, StoredFieldValue>();
  /** Runs before each write: lets a test change a row between the driver's read and its write. */
  beforeWrite: (rowId: string) => void = () => {};

  async readBatch(query: { after: string | null; limit: number; userId?: string }): Promise<StoredFieldValue[]> {
    return [...this.rows.values()]
      .filter((row) => (query.after === null || row.rowId > query.after) && (query.userId === undefined || row.userId === query.userId))
      .sort((a, b) => (a.rowId < b.rowId ? -1 : 1))
      .slice(0, query.limit)
      .map((row) => ({ ...row }));
  }

  async writeValue(row: { rowId: string }, expected: string, next: string): Promise<boolean> {
    this.beforeWrite(row.rowId);
    const current = this.rows.get(row.rowId);
    if (!current || current.value !== expected) return false;
    this.rows.set(row.rowId, { ...current, value: next });
    return true;
  }
}

let store: MemoryUserKeyStore;
let oldMaster: MasterKeys;

beforeEach(() => {
  store = new MemoryUserKeyStore();
  oldMaster = parseMasterKeys(`1:${generateMasterKey()}`);
});

describe("master-key rotation", () => {
  it("rewraps every data key under the new master version; values stay readable and the old master key can go", async () => {
    const before = createFieldCipher({ masterKeys: oldMaster, store });
    const stored = new Map<string, string>();
    for (const userId of users) stored.set(userId, await before.encrypt(`text of ${userId}`, contextOf(userId, `row-${userId}`)));
    const newKey = generateMasterKey();
    const bothMasters = parseMasterKeys(`2:${newKey},1:${oldMaster.keys.get(1)?.toString("base64")}`);

    // During the rotation a server configured with both keys reads everything, old wrapping or new.
    const during = createFieldCipher({ masterKeys: bothMasters, store });
    await during.encrypt("a new user mid-rotation", contextOf("dave", "row-dave"));
    expect((await store.countByMasterVersion()).get(2)).toBe(1);

    const progress: number[] = [];
    const result = await rewrapDataKeys({ store, masterKeys: bothMasters, batchSize: 2, onBatch: (step) => progress.push(step.rewrapped) });
    expect(result).toMatchObject({ rewrapped: 3, skipped: 0, failed: [] });
    expect(progress).toEqual([2, 3]);
    expect(result.keysByMasterVersion).toEqual(new Map([[2, 4]]));
    expect(removableMasterVersions({ currentVersion: 2, versions: bothMasters.keys.keys() }, result.keysByMasterVersion)).toEqual([1]);
    for (const userId of users) expect(await during.decrypt(stored.get(userId) ?? "", contextOf(userId, `row-${userId}`))).toBe(`text of ${userId}`);

    const after = createFieldCipher({ masterKeys: parseMasterKeys(`2:${newKey}`), store });
    for (const userId of users) expect(await after.decrypt(stored.get(userId) ?? "", contextOf(userId, `row-${userId}`))).toBe(`text of ${userId}`);
    // Values were not touched: same version, same bytes.
    expect(new Set([...stored.values()].map((value) => value.split(".")[1]))).toEqual(new Set(["1"]));
    // Running it again finds nothing to do.
    expect(await rewrapDataKeys({ store, masterKeys: bothMasters })).toMatchObject({ rewrapped: 0, failed: [] });
  });

  it("reports keys it cannot open and carries on with the rest", async () => {
    const before = createFieldCipher({ masterKeys: oldMaster, store });
    for (const userId of users) await before.encrypt("x", contextOf(userId, "row"));
    store.overwrite({ userId: "bob", version: 1 }, { masterVersion: 5 });
    const result = await rewrapDataKeys({ store, masterKeys: parseMasterKeys(`2:${generateMasterKey()},1:${oldMaster.keys.get(1)?.toString("base64")}`) });
    expect(result.rewrapped).toBe(2);
    expect(result.failed).toEqual([{ userId: "bob", version: 1, masterVersion: 5, error: expect.stringMatching(/^MasterKeyError: Master key version 5 is not configured/) }]);
    expect(removableMasterVersions({ currentVersion: 2, versions: [1, 2] }, result.keysByMasterVersion)).toEqual([1]);
  });
});

describe("data-key rotation", () => {
  it("makes a new version current, keeps old values readable, re-encrypts them in batches, then retires the old version", async () => {
    const cipher = createFieldCipher({ masterKeys: oldMaster, store });
    if (!(cipher instanceof EncryptingFieldCipher)) throw new Error("expected encryption");
    const column = new MemoryColumn();
    for (let index = 0; index < 7; index += 1) {
      const userId = users[index % 2] ?? "alice";
      const rowId = `row-${index}`;
      // row-0 is plaintext from before encryption was turned on.
      const value = index === 0 ? "legacy plaintext" : await cipher.encrypt(`text ${index}`, contextOf(userId, rowId));
      column.rows.set(rowId, { rowId, userId, value });
    }
    const versionOf = (rowId: string) => {
      const parsed = parseStoredValue(column.rows.get(rowId)?.value ?? "");
      return parsed.kind === "encrypted" ? parsed.version : null;
    };

    expect(await cipher.keyring.rotate("alice")).toBe(2);
    const fresh = await cipher.encrypt("written after rotation", contextOf("alice", "row-new"));
    expect(fresh).toMatch(/^rc1\.2\./);
    expect(await cipher.decrypt(column.rows.get("row-2")?.value ?? "", contextOf("alice", "row-2"))).toBe("text 2");
    expect(versionOf("row-2")).toBe(1);

    // Someone edits row-4 between the driver's read and its write: the edit wins.
    column.beforeWrite = (rowId) => {
      if (rowId !== "row-4") return;
      column.rows.set("row-4", { rowId, userId: "alice", value: "edited meanwhile" });
    };
    const result = await reencryptValues({ cipher, source: column, userId: "alice", batchSize: 2 });
    expect(result).toMatchObject({ field: "Message.content", scanned: 4, rewritten: 3, changed: 1, failed: [] });
    expect(["row-0", "row-2", "row-6"].map(versionOf)).toEqual([2, 2, 2]);
    expect(column.rows.get("row-4")?.value).toBe("edited meanwhile");
    expect(versionOf("row-1")).toBe(1);

    column.beforeWrite = () => {};
    expect(await reencryptValues({ cipher, source: column, userId: "alice" })).toMatchObject({ rewritten: 1, changed: 0 });
    expect(await reencryptValues({ cipher, source: column, userId: "alice" })).toMatchObject({ rewritten: 0 });

    expect(await cipher.keyring.retireVersionsBelow("alice", 2)).toBe(1);
    for (const rowId of ["row-0", "row-2", "row-4", "row-6"]) {
      const row = column.rows.get(rowId);
      expect(await cipher.decrypt(row?.value ?? "", contextOf("alice", rowId))).toBe(rowId === "row-0" ? "legacy plaintext" : rowId === "row-4" ? "edited meanwhile" : `text ${rowId.slice(4)}`);
    }
    // Bob was not rotated: his values are still under version 1 and readable.
    expect(await cipher.decrypt(column.rows.get("row-1")?.value ?? "", contextOf("bob", "row-1"))).toBe("text 1");
  });

  it("a value left under a retired version fails with DataKeyGoneError, and the driver reports it by id only", async () => {
    const cipher = createFieldCipher({ masterKeys: oldMaster, store });
    if (!(cipher instanceof EncryptingFieldCipher)) throw new Error("expected encryption");
    const column = new MemoryColumn();
    column.rows.set("row-1", { rowId: "row-1", userId: "alice", value: await cipher.encrypt("secret", contextOf("alice", "row-1")) });
    await cipher.keyring.rotate("alice");
    await cipher.keyring.retireVersionsBelow("alice", 2);
    await expect(cipher.decrypt(column.rows.get("row-1")?.value ?? "", contextOf("alice", "row-1"))).rejects.toBeInstanceOf(DataKeyGoneError);
    const result = await reencryptValues({ cipher, source: column });
    expect(result.failed).toEqual([{ rowId: "row-1", userId: "alice", error: "DataKeyGoneError" }]);
  });

  it("leaves everything alone in plaintext mode", async () => {
    const column = new MemoryColumn();
    column.rows.set("row-1", { rowId: "row-1", userId: "alice", value: "plain" });
    const result = await reencryptValues({ cipher: createFieldCipher({ masterKeys: null, store }), source: column });
    expect(result).toMatchObject({ scanned: 1, rewritten: 0 });
    expect(column.rows.get("row-1")?.value).toBe("plain");
  });
});
