import { type PrismaClient } from "@recall/db";
import { createTestDatabase, type TestDatabase } from "@recall/db/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DataKeyGoneError } from "./errors/data-key-gone-error.ts";
import { createFieldCipher } from "./field-cipher.ts";
import { runKeyRotationCommand } from "./key-rotation-command.ts";
import { formatMasterKeys, generateMasterKey, parseMasterKeys } from "./master-keys.ts";
import { MemoryUserKeyStore } from "./memory-user-key-store.ts";
import { PrismaUserKeyStore } from "./prisma-user-key-store.ts";
import { reencryptValues, type ReencryptionSource } from "./reencrypt-values.ts";
import type { UserKeyStore } from "./user-key-store.ts";

let database: TestDatabase;
let prisma: PrismaClient;

beforeEach(async () => {
  database = await createTestDatabase();
  prisma = database.prisma;
  await prisma.user.createMany({ data: [{ id: "alice" }, { id: "bob" }, { id: "carol" }] });
});

afterEach(async () => {
  await database.close();
});

const key = (userId: string, version: number, masterVersion = 1) => ({ userId, version, wrappedKey: `wk1.${userId}.${version}`, masterVersion });

describe.each([
  ["Prisma", () => new PrismaUserKeyStore(prisma)],
  ["in-memory", () => new MemoryUserKeyStore()],
] as const)("%s UserKeyStore", (_name, createStore: () => UserKeyStore) => {
  it("finds the current and a given version, refuses a duplicate version, and deletes", async () => {
    const store = createStore();
    expect(await store.findCurrent("alice")).toBeNull();
    expect(await store.insert(key("alice", 1))).toBe(true);
    expect(await store.insert(key("alice", 2, 2))).toBe(true);
    expect(await store.insert({ ...key("alice", 2), wrappedKey: "other" })).toBe(false);
    expect(await store.insert(key("bob", 1))).toBe(true);
    expect(await store.findCurrent("alice")).toMatchObject({ ...key("alice", 2, 2), createdAt: expect.any(Date) });
    expect(await store.findByVersion("alice", 1)).toMatchObject(key("alice", 1));
    expect(await store.findByVersion("alice", 3)).toBeNull();
    expect(await store.countByMasterVersion()).toEqual(new Map([[1, 2], [2, 1]]));

    expect(await store.deleteVersionsBelow("alice", 2)).toBe(1);
    expect(await store.findByVersion("alice", 1)).toBeNull();
    expect(await store.deleteAllForUser("alice")).toBe(1);
    expect(await store.findCurrent("alice")).toBeNull();
    expect(await store.findCurrent("bob")).toMatchObject(key("bob", 1));
  });

  it("lists keys to rewrap in (user, version) order after a cursor, and updates only while the master version is unchanged", async () => {
    const store = createStore();
    for (const row of [key("carol", 1), key("alice", 2), key("alice", 1), key("bob", 1, 3), key("bob", 2)]) await store.insert(row);
    const first = await store.listForRewrap({ notMasterVersion: 3, after: null, limit: 2 });
    expect(first.map((row) => [row.userId, row.version])).toEqual([["alice", 1], ["alice", 2]]);
    const rest = await store.listForRewrap({ notMasterVersion: 3, after: { userId: "alice", version: 2 }, limit: 10 });
    expect(rest.map((row) => [row.userId, row.version])).toEqual([["bob", 2], ["carol", 1]]);

    expect(await store.updateWrapping({ userId: "bob", version: 2 }, 1, { wrappedKey: "rewrapped", masterVersion: 3 })).toBe(true);
    expect(await store.updateWrapping({ userId: "bob", version: 2 }, 1, { wrappedKey: "again", masterVersion: 3 })).toBe(false);
    expect(await store.updateWrapping({ userId: "nobody", version: 1 }, 1, { wrappedKey: "x", masterVersion: 3 })).toBe(false);
    expect(await store.findByVersion("bob", 2)).toMatchObject({ wrappedKey: "rewrapped", masterVersion: 3 });
  });
});

describe("encryption over the database", () => {
  it("goes with the User row: deleting a user deletes their keys, and their text can no longer be read", async () => {
    const store = new PrismaUserKeyStore(prisma);
    const masterKeys = parseMasterKeys(`1:${generateMasterKey()}`);
    const cipher = createFieldCipher({ masterKeys, store });
    const context = { field: "ProfileFact.value", rowId: "fact-1", userId: "alice" } as const;
    const stored = await cipher.encrypt("lives in Lisbon", context);
    await cipher.encrypt("bob's", { ...context, userId: "bob" });
    await prisma.user.delete({ where: { id: "alice" } });
    expect(await prisma.userKey.count({ where: { userId: "alice" } })).toBe(0);
    expect(await prisma.userKey.count()).toBe(1);
    await expect(createFieldCipher({ masterKeys, store }).decrypt(stored, context)).rejects.toBeInstanceOf(DataKeyGoneError);
    // The erase path must still tell the cipher (keys cached in memory); a user that no longer exists then gets no new key.
    await cipher.eraseUser("alice");
    await expect(cipher.encrypt("late write", context)).rejects.toThrow();
    expect(await prisma.userKey.count({ where: { userId: "alice" } })).toBe(0);
  });

  it("re-encrypts a real column through a ReencryptionSource", async () => {
    const store = new PrismaUserKeyStore(prisma);
    const cipher = createFieldCipher({ masterKeys: parseMasterKeys(`1:${generateMasterKey()}`), store });
    await prisma.chatSession.create({ data: { id: "chat", userId: "alice", title: "t" } });
    await prisma.message.createMany({
      data: [1, 2, 3].map((index) => ({ id: `m${index}`, sessionId: "chat", userId: "alice", role: "user", content: `plain ${index}` })),
    });
    // What the lead writes per table/column: keyset pages, compare-and-set on the old value.
    const messages: ReencryptionSource = {
      field: "Message.content",
      readBatch: async ({ after, limit, userId }) =>
        (
          await prisma.message.findMany({
            where: { ...(after === null ? {} : { id: { gt: after } }), ...(userId === undefined ? {} : { userId }) },
            orderBy: { id: "asc" },
            take: limit,
            select: { id: true, userId: true, content: true },
          })
        ).map((row) => ({ rowId: row.id, userId: row.userId, value: row.content })),
      writeValue: async (row, expected, next) =>
        (await prisma.message.updateMany({ where: { id: row.rowId, userId: row.userId, content: expected }, data: { content: next } })).count === 1,
    };
    expect(await reencryptValues({ cipher, source: messages, batchSize: 2 })).toMatchObject({ scanned: 3, rewritten: 3, failed: [] });
    const rows = await prisma.message.findMany({ orderBy: { id: "asc" } });
    for (const row of rows) {
      expect(row.content).toMatch(/^rc1\.1\./);
      expect(await cipher.decrypt(row.content, { field: "Message.content", rowId: row.id, userId: row.userId })).toBe(`plain ${row.id.slice(1)}`);
    }
  });

  it("`keys:rotate` rewraps every key under the new master version, and --status says the old one can go", async () => {
    const store = new PrismaUserKeyStore(prisma);
    const oldMaster = parseMasterKeys(`1:${generateMasterKey()}`);
    const before = createFieldCipher({ masterKeys: oldMaster, store });
    const values = new Map<string, string>();
    for (const userId of ["alice", "bob", "carol"]) values.set(userId, await before.encrypt(`${userId} text`, { field: "Message.content", rowId: "m", userId }));
    const newKey = generateMasterKey();
    const both = `2:${newKey},${formatMasterKeys(oldMaster)}`;

    const lines: string[] = [];
    const run = (argv: string[], keys: string) => runKeyRotationCommand({ argv, databaseUrl: database.url, masterKeySetting: { keys }, print: (line) => lines.push(line) });
    expect(await run(["--status"], both)).toBe(0);
    expect(lines).toContain("  master version 1: 3 data key(s)");
    lines.length = 0;
    expect(await run([], both)).toBe(0);
    expect(lines).toContain("Rewrapped 3 data key(s); 0 changed during the run; 0 failed.");
    expect(lines.at(-1)).toMatch(/version\(s\) 1 wrap nothing any more and may be removed/);
    expect(lines.join("\n")).not.toContain(newKey);

    const after = createFieldCipher({ masterKeys: parseMasterKeys(`2:${newKey}`), store });
    for (const [userId, value] of values) expect(await after.decrypt(value, { field: "Message.content", rowId: "m", userId })).toBe(`${userId} text`);
    lines.length = 0;
    expect(await run(["--verbose"], both)).toBe(2);
    expect(await run([], "1:short")).toBe(1);
    expect(lines.at(-1)).toMatch(/version 1 is 5 bytes|not valid base64/);
  });
});
