import { statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createTestDatabase, type TestDatabase } from "@recall/db/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DeletedDataScrubber } from "../account/deleted-data.ts";
import { encryptedColumns } from "./encrypted-columns.ts";
import { createFieldCipher, type FieldCipher } from "./field-cipher.ts";
import { generateMasterKey, parseMasterKeys } from "./master-keys.ts";
import { PrismaUserKeyStore } from "./prisma-user-key-store.ts";
import { reencryptValues } from "./reencrypt-values.ts";
import { encryptedFields } from "./value-format.ts";

let database: TestDatabase;
let cipher: FieldCipher;

beforeEach(async () => {
  database = await createTestDatabase();
  cipher = createFieldCipher({ masterKeys: parseMasterKeys(`1:${generateMasterKey()}`), store: new PrismaUserKeyStore(database.prisma) });
  const prisma = database.prisma;
  await prisma.user.createMany({ data: [{ id: "alice" }, { id: "bob" }] });
  const past = new Date("2026-01-02T03:04:05.000Z");
  for (const userId of ["alice", "bob"]) {
    await prisma.chatSession.create({ data: { id: `chat-${userId}`, userId, title: `${userId}'s title`, updatedAt: past } });
    await prisma.message.create({ data: { id: `q-${userId}`, sessionId: `chat-${userId}`, userId, role: "user", content: `${userId} asks`, updatedAt: past } });
    await prisma.message.create({ data: { id: `a-${userId}`, sessionId: `chat-${userId}`, userId, role: "assistant", content: `${userId} is answered`, contextJson: `{"summary":"${userId}"}`, updatedAt: past } });
    await prisma.sessionSummary.create({ data: { sessionId: `chat-${userId}`, content: `${userId} summary` } });
    await prisma.episode.create({ data: { id: `e-${userId}`, userId, sessionId: `chat-${userId}`, summary: `${userId} episode`, factsJson: `["${userId} fact"]` } });
    await prisma.profileFact.create({ data: { id: `f-${userId}`, userId, kind: "other", value: `${userId} value`, source: "user", updatedAt: past } });
  }
});

afterEach(async () => {
  await database.close();
});

describe("the encrypted columns", () => {
  it("cover every encrypted field stored in a table, and re-encryption leaves updatedAt (sidebar order, retention clocks) alone", async () => {
    const columns = encryptedColumns(database.prisma);
    expect(columns.map((source) => source.field).sort()).toEqual(encryptedFields.filter((field) => field !== "ConversationCache.state").sort());
    for (const source of columns) {
      const result = await reencryptValues({ cipher, source, batchSize: 1 });
      const rows = source.field === "Message.content" ? 4 : 2;
      expect(result).toMatchObject({ scanned: rows, rewritten: rows, changed: 0, failed: [] });
    }
    const session = await database.prisma.chatSession.findUniqueOrThrow({ where: { id: "chat-alice" } });
    expect(session.updatedAt.toISOString()).toBe("2026-01-02T03:04:05.000Z");
    expect(session.title).toMatch(/^rc1\.1\./);
    expect(await cipher.decrypt(session.title, { field: "ChatSession.title", rowId: "chat-alice", userId: "alice" })).toBe("alice's title");
    const summary = await database.prisma.sessionSummary.findUniqueOrThrow({ where: { sessionId: "chat-bob" } });
    expect(await cipher.decrypt(summary.content, { field: "SessionSummary.content", rowId: "chat-bob", userId: "bob" })).toBe("bob summary");
    const [message] = await database.prisma.message.findMany({ where: { id: "a-alice" } });
    expect(message?.updatedAt.toISOString()).toBe("2026-01-02T03:04:05.000Z");
    expect(await cipher.decrypt(message?.contextJson ?? "", { field: "Message.contextJson", rowId: "a-alice", userId: "alice" })).toBe('{"summary":"alice"}');
  });

  it("reads one user's rows only, skips rows without a value, and writes only over the value it read", async () => {
    const [, messages, contexts] = encryptedColumns(database.prisma);
    expect((await contexts!.readBatch({ after: null, limit: 10 })).map((row) => row.rowId)).toEqual(["a-alice", "a-bob"]);
    const bobs = await messages!.readBatch({ after: null, limit: 10, userId: "bob" });
    expect(bobs.map((row) => [row.rowId, row.userId])).toEqual([["a-bob", "bob"], ["q-bob", "bob"]]);
    expect(await messages!.writeValue({ rowId: "q-bob", userId: "bob" }, "not what is stored", "new")).toBe(false);
    expect(await messages!.writeValue({ rowId: "q-bob", userId: "alice" }, "bob asks", "new")).toBe(false);
    expect(await messages!.writeValue({ rowId: "q-bob", userId: "bob" }, "bob asks", "new")).toBe(true);
  });
});

describe("the deleted-data scrubber", () => {
  it("empties the SQLite WAL after a delete, and calls made meanwhile share the next checkpoint", async () => {
    if (database.provider !== "sqlite") return;
    const wal = `${fileURLToPath(database.url)}-wal`;
    await database.prisma.user.delete({ where: { id: "alice" } });
    expect(statSync(wal).size).toBeGreaterThan(0);
    const scrubber = new DeletedDataScrubber(database.prisma, database.provider);
    await Promise.all([scrubber.scrub(), scrubber.scrub(), scrubber.scrub()]);
    expect(scrubber.stats.checkpoints).toBe(2);
    expect(statSync(wal).size).toBe(0);
  });
});
