import { statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createTestDatabase, type TestDatabase } from "@recall/db/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DeletedDataScrubber } from "../account/deleted-data.ts";
import { SavedDocumentStore } from "../documents/saved-document-store.ts";
import { encryptedColumns } from "./encrypted-columns.ts";
import { createFieldCipher, type FieldCipher } from "./field-cipher.ts";
import { generateMasterKey, parseMasterKeys } from "./master-keys.ts";
import { PrismaUserKeyStore } from "./prisma-user-key-store.ts";
import { reencryptValues } from "./reencrypt-values.ts";
import { encryptedFields, transientEncryptedFields } from "./value-format.ts";

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
    await prisma.document.create({
      data: { id: `d-${userId}`, userId, name: `${userId}.pdf`, title: `${userId}'s paper`, summary: `${userId} wrote it`, sizeBytes: 10, state: "ready", updatedAt: past },
    });
    await prisma.documentChunk.create({ data: { id: `k-${userId}`, documentId: `d-${userId}`, userId, ordinal: 0, text: `${userId} passage`, pageStart: 1, pageEnd: 1, section: `${userId} section` } });
    await prisma.documentPage.create({ data: { documentId: `d-${userId}`, number: 1, text: `${userId} page` } });
  }
});

afterEach(async () => {
  await database.close();
});

describe("the encrypted columns", () => {
  it("cover every encrypted field stored in a table, and re-encryption leaves updatedAt (sidebar order, retention clocks) alone", async () => {
    const columns = encryptedColumns(database.prisma);
    expect(columns.map((source) => source.field).sort()).toEqual(encryptedFields.filter((field) => !transientEncryptedFields.includes(field)).sort());
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
    const document = await database.prisma.document.findUniqueOrThrow({ where: { id: "d-bob" } });
    expect(document.updatedAt.toISOString()).toBe("2026-01-02T03:04:05.000Z");
    const reader = new SavedDocumentStore(database.prisma, cipher);
    expect(await reader.get("bob", "d-bob")).toMatchObject({ name: "bob.pdf", title: "bob's paper", summary: "bob wrote it" });
    expect(await reader.pages("bob", "d-bob")).toEqual([{ number: 1, text: "bob page" }]);
    expect(await reader.chunks("bob", ["k-bob"])).toMatchObject([{ text: "bob passage", section: "bob section", documentName: "bob.pdf" }]);
    const [message] = await database.prisma.message.findMany({ where: { id: "a-alice" } });
    expect(message?.updatedAt.toISOString()).toBe("2026-01-02T03:04:05.000Z");
    expect(await cipher.decrypt(message?.contextJson ?? "", { field: "Message.contextJson", rowId: "a-alice", userId: "alice" })).toBe('{"summary":"alice"}');
  });

  it("pages through a document's pages by their two-column key, one user's only, and writes only over the value it read", async () => {
    const pages = encryptedColumns(database.prisma).find((source) => source.field === "DocumentPage.text")!;
    await database.prisma.documentPage.createMany({ data: [{ documentId: "d-alice", number: 2, text: "alice page 2" }, { documentId: "d-alice", number: 10, text: "alice page 10" }] });
    const seen: string[] = [];
    for (let after: string | null = null; ; ) {
      const batch = await pages.readBatch({ after, limit: 2 });
      if (batch.length === 0) break;
      seen.push(...batch.map((row) => `${row.rowId}@${row.userId}`));
      after = batch.at(-1)!.rowId;
    }
    expect(seen).toEqual(["d-alice:1@alice", "d-alice:2@alice", "d-alice:10@alice", "d-bob:1@bob"]);
    expect((await pages.readBatch({ after: null, limit: 10, userId: "bob" })).map((row) => row.rowId)).toEqual(["d-bob:1"]);
    expect(await pages.writeValue({ rowId: "d-bob:1", userId: "alice" }, "bob page", "new")).toBe(false);
    expect(await pages.writeValue({ rowId: "d-bob:1", userId: "bob" }, "not what is stored", "new")).toBe(false);
    expect(await pages.writeValue({ rowId: "d-bob:1", userId: "bob" }, "bob page", "new")).toBe(true);
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
