import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { DocumentChunk } from "@recall/documents";
import { createTestDatabase, type TestDatabase } from "@recall/db/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { UserStore } from "../account/user-store.ts";
import { SavedChatStore } from "../chat/saved-chat-store.ts";
import { DecryptionError } from "../crypto/errors/decryption-error.ts";
import { createFieldCipher, type FieldCipher } from "../crypto/field-cipher.ts";
import { generateMasterKey, parseMasterKeys } from "../crypto/master-keys.ts";
import { PrismaUserKeyStore } from "../crypto/prisma-user-key-store.ts";
import { NotFoundError } from "../domain-errors.ts";
import { canary } from "../testing/canary.ts";
import type { Extraction } from "./document-store.ts";
import { toDocumentView } from "./document-store.ts";
import { SavedDocumentStore } from "./saved-document-store.ts";

let database: TestDatabase;
let chats: SavedChatStore;
let store: SavedDocumentStore;
let alice: string;
let bob: string;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.close();
});
beforeEach(async () => {
  chats = new SavedChatStore(database);
  store = new SavedDocumentStore(database.prisma);
  const users = new UserStore(database.prisma);
  alice = await users.createUser();
  bob = await users.createUser();
});

function chunk(ordinal: number, text = `Passage ${ordinal}.`, section: string | null = null): DocumentChunk {
  return { ordinal, text, pageStart: ordinal + 1, pageEnd: ordinal + 1, section };
}

function extraction(overrides: Partial<Extraction> = {}): Extraction {
  return {
    kind: "pdf",
    title: "On Sourdough",
    pageCount: 2,
    pages: [
      { number: 1, text: "Page one." },
      { number: 2, text: "Page two." },
    ],
    chunks: [chunk(1, "Second.", "Methods"), chunk(0, "First.")],
    ...overrides,
  };
}

describe("SavedDocumentStore", () => {
  it("creates a processing document in a chat, or kept in the library, and lists it for its chat and the library", async () => {
    const chat = await chats.createSession(alice, {});
    const inChat = await store.create({ userId: alice, sessionId: chat.id, name: "paper.pdf", sizeBytes: 1200 });
    expect(inChat).toMatchObject({ userId: alice, name: "paper.pdf", state: "processing", stage: "queued", progress: 0, kept: false, sessionIds: [chat.id], ephemeral: false, kind: null, error: null });
    const inLibrary = await store.create({ userId: alice, sessionId: null, name: "notes.md", sizeBytes: 30 });
    expect(inLibrary).toMatchObject({ kept: true, sessionIds: [] });

    expect((await store.listForChat(alice, chat.id)).map((record) => record.id)).toEqual([inChat.id]);
    expect((await store.listLibrary(alice)).map((record) => record.id)).toEqual([inLibrary.id, inChat.id]);
    expect(await store.get(alice, inChat.id)).toEqual(inChat);
    expect(toDocumentView(inChat)).toMatchObject({ id: inChat.id, name: "paper.pdf", createdAt: inChat.createdAt.toISOString(), sessionIds: [chat.id] });
    expect(await store.usage(alice)).toEqual({ bytes: 1230, count: 2 });

    // Another user's ids: nothing, as if they did not exist.
    expect(await store.get(bob, inChat.id)).toBeNull();
    expect(await store.listForChat(bob, chat.id)).toEqual([]);
    expect(await store.listLibrary(bob)).toEqual([]);
    expect(await store.usage(bob)).toEqual({ bytes: 0, count: 0 });
    await expect(store.create({ userId: bob, sessionId: chat.id, name: "x.pdf", sizeBytes: 1 })).rejects.toBeInstanceOf(NotFoundError);
    expect(await database.prisma.document.count({ where: { userId: bob } })).toBe(0);
  });

  it("attaches to more of the owner's chats (once), detaches saying what still holds it, keeps and deletes; foreign ids are NotFoundError", async () => {
    const first = await chats.createSession(alice, {});
    const second = await chats.createSession(alice, {});
    const bobs = await chats.createSession(bob, {});
    const document = await store.create({ userId: alice, sessionId: first.id, name: "paper.pdf", sizeBytes: 10 });

    expect((await store.attach(alice, document.id, second.id)).sessionIds).toEqual([first.id, second.id]);
    expect((await store.attach(alice, document.id, second.id)).sessionIds).toEqual([first.id, second.id]);
    await expect(store.attach(alice, document.id, bobs.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.attach(bob, document.id, bobs.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.attach(alice, document.id, "c-missing")).rejects.toBeInstanceOf(NotFoundError);
    expect((await store.listForChat(alice, second.id)).map((record) => record.id)).toEqual([document.id]);

    expect(await store.detach(alice, document.id, first.id)).toEqual({ remainingAttachments: 1, kept: false });
    // Not in that chat any more: nothing changes.
    expect(await store.detach(alice, document.id, first.id)).toEqual({ remainingAttachments: 1, kept: false });
    await expect(store.detach(bob, document.id, second.id)).rejects.toBeInstanceOf(NotFoundError);
    expect((await store.setKept(alice, document.id, true)).kept).toBe(true);
    await expect(store.setKept(bob, document.id, false)).rejects.toBeInstanceOf(NotFoundError);
    expect(await store.detach(alice, document.id, second.id)).toEqual({ remainingAttachments: 0, kept: true });
    expect((await store.listLibrary(alice)).map((record) => [record.id, record.sessionIds])).toEqual([[document.id, []]]);

    await expect(store.delete(bob, document.id)).rejects.toBeInstanceOf(NotFoundError);
    await store.delete(alice, document.id);
    expect(await store.get(alice, document.id)).toBeNull();
    await expect(store.delete(alice, document.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("saves pages and chunks in one go, replacing an earlier extraction, and reads them back owner-checked in order", async () => {
    const chat = await chats.createSession(alice, {});
    const document = await store.create({ userId: alice, sessionId: chat.id, name: "paper.pdf", sizeBytes: 10 });
    const firstIds = await store.saveExtraction(alice, document.id, extraction());
    expect(firstIds).toHaveLength(2);

    // Many chunks (more than one insert batch), given out of order.
    const many = Array.from({ length: 1203 }, (_, ordinal) => chunk(ordinal)).reverse();
    const ids = await store.saveExtraction(alice, document.id, extraction({ chunks: many, pages: [{ number: 2, text: "Two." }, { number: 1, text: "One." }] }));
    expect(ids).toHaveLength(1203);
    expect(new Set(ids).size).toBe(1203);
    expect(await database.prisma.documentChunk.count({ where: { documentId: document.id } })).toBe(1203);
    expect(await store.chunks(alice, firstIds)).toEqual([]);
    expect(await store.get(alice, document.id)).toMatchObject({ kind: "pdf", title: "On Sourdough", pageCount: 2, chunkCount: 1203 });

    const picked = await store.chunks(alice, [ids[1202]!, ids[0]!, "k-missing", ids[5]!]);
    expect(picked.map((passage) => [passage.chunkId, passage.ordinal, passage.text, passage.documentName])).toEqual([
      [ids[1202], 1202, "Passage 1202.", "paper.pdf"],
      [ids[0], 0, "Passage 0.", "paper.pdf"],
      [ids[5], 5, "Passage 5.", "paper.pdf"],
    ]);
    expect(await store.chunks(bob, [ids[0]!])).toEqual([]);
    // A citation's label: name, pages and section, the text left unread.
    const labels = await store.chunks(alice, [ids[5]!], { withText: false });
    expect(labels.map((passage) => [passage.chunkId, passage.text, passage.documentName, passage.pageStart])).toEqual([[ids[5], "", "paper.pdf", picked[2]!.pageStart]]);
    const all = await store.chunksOfDocuments(alice, [document.id]);
    expect(all.map((passage) => passage.ordinal)).toEqual(Array.from({ length: 1203 }, (_, ordinal) => ordinal));
    expect(all.map((passage) => passage.chunkId)).toEqual(ids);
    expect(await store.chunksOfDocuments(bob, [document.id])).toEqual([]);
    expect(await store.pages(alice, document.id)).toEqual([
      { number: 1, text: "One." },
      { number: 2, text: "Two." },
    ]);
    await expect(store.pages(bob, document.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.saveExtraction(bob, document.id, extraction())).rejects.toBeInstanceOf(NotFoundError);
  });

  it("orders chunks of several documents as asked, and keeps sections", async () => {
    const chat = await chats.createSession(alice, {});
    const one = await store.create({ userId: alice, sessionId: chat.id, name: "one.pdf", sizeBytes: 1 });
    const two = await store.create({ userId: alice, sessionId: chat.id, name: "two.md", sizeBytes: 1 });
    await store.saveExtraction(alice, one.id, extraction());
    await store.saveExtraction(alice, two.id, extraction({ kind: "markdown", title: null }));
    const chunks = await store.chunksOfDocuments(alice, [two.id, one.id]);
    expect(chunks.map((passage) => [passage.documentName, passage.ordinal, passage.section])).toEqual([
      ["two.md", 0, null],
      ["two.md", 1, "Methods"],
      ["one.pdf", 0, null],
      ["one.pdf", 1, "Methods"],
    ]);
    expect((await store.get(alice, two.id))?.title).toBeNull();
  });

  it("moves progress only while processing; ready and failed are final, failing deletes the text, and a restart fails what was left processing", async () => {
    const chat = await chats.createSession(alice, {});
    const document = await store.create({ userId: alice, sessionId: chat.id, name: "paper.pdf", sizeBytes: 10 });
    expect(await store.setProgress(document.id, { stage: "parsing", progress: 0.3, kind: "pdf", pageCount: 12 })).toBe(true);
    expect(await store.get(alice, document.id)).toMatchObject({ stage: "parsing", progress: 0.3, kind: "pdf", pageCount: 12 });
    await store.saveExtraction(alice, document.id, extraction());
    expect(await store.markReady(document.id)).toBe(true);
    expect(await store.setProgress(document.id, { stage: "embedding", progress: 0.8 })).toBe(false);
    expect(await store.markFailed(document.id, "corrupt", "Broken.")).toBe(false);
    expect(await store.get(alice, document.id)).toMatchObject({ state: "ready", stage: null, progress: 1, error: null, chunkCount: 2 });
    expect(await store.setSummary(alice, document.id, "A paper about bread.")).toBe(true);
    expect(await store.setSummary(bob, document.id, "Not theirs.")).toBe(false);
    expect((await store.get(alice, document.id))?.summary).toBe("A paper about bread.");

    const failing = await store.create({ userId: alice, sessionId: chat.id, name: "scan.pdf", sizeBytes: 10 });
    await store.saveExtraction(alice, failing.id, extraction());
    expect(await store.markFailed(failing.id, "no_text", "No text was found in this file.")).toBe(true);
    expect(await store.get(alice, failing.id)).toMatchObject({ state: "failed", stage: null, error: { code: "no_text", message: "No text was found in this file." }, chunkCount: 0 });
    expect(await store.pages(alice, failing.id)).toEqual([]);
    expect(await store.chunksOfDocuments(alice, [failing.id])).toEqual([]);
    expect(await store.markReady(failing.id)).toBe(false);

    const interrupted = await store.create({ userId: alice, sessionId: chat.id, name: "big.pdf", sizeBytes: 10 });
    await store.saveExtraction(alice, interrupted.id, extraction());
    expect(await store.failInterrupted("corrupt", "The server restarted while reading this file.")).toBeGreaterThanOrEqual(1);
    expect(await store.get(alice, interrupted.id)).toMatchObject({ state: "failed", error: { code: "corrupt" }, chunkCount: 0 });
    expect(await database.prisma.documentChunk.count({ where: { documentId: interrupted.id } })).toBe(0);
    expect((await store.get(alice, document.id))?.state).toBe("ready");
    expect(await store.setProgress("d-missing", { stage: "parsing", progress: 0.1 })).toBe(false);
  });

  it("tells which documents are ready in a chat and which go with it, before and after the chat is gone", async () => {
    const chat = await chats.createSession(alice, {});
    const other = await chats.createSession(alice, {});
    const onlyHere = await store.create({ userId: alice, sessionId: chat.id, name: "only.pdf", sizeBytes: 1 });
    const shared = await store.create({ userId: alice, sessionId: chat.id, name: "shared.pdf", sizeBytes: 1 });
    await store.attach(alice, shared.id, other.id);
    const kept = await store.create({ userId: alice, sessionId: chat.id, name: "kept.pdf", sizeBytes: 1 });
    await store.setKept(alice, kept.id, true);
    const elsewhere = await store.create({ userId: alice, sessionId: other.id, name: "elsewhere.pdf", sizeBytes: 1 });
    await store.markReady(shared.id);
    await store.markReady(elsewhere.id);

    expect(await store.readyDocumentIdsForChat(alice, chat.id)).toEqual([shared.id]);
    expect(await store.readyDocumentIdsForChat(bob, chat.id)).toEqual([]);
    expect(await store.documentsOnlyIn(alice, chat.id)).toEqual([onlyHere.id]);
    expect(await store.documentsOnlyIn(bob, chat.id)).toEqual([]);

    // The database takes the chat's attachments with it, not its documents.
    await chats.deleteSession(alice, chat.id);
    expect(await store.get(alice, onlyHere.id)).toMatchObject({ sessionIds: [] });
    expect((await store.get(alice, shared.id))?.sessionIds).toEqual([other.id]);
    // Once the chat is gone, what it alone held is every unkept document in no chat.
    expect(await store.documentsOnlyIn(alice, chat.id)).toEqual([onlyHere.id]);
  });

  it("goes with its user: deleteForUser answers the ids, and deleting the User row cascades to everything", async () => {
    const chat = await chats.createSession(alice, {});
    const first = await store.create({ userId: alice, sessionId: chat.id, name: "one.pdf", sizeBytes: 1 });
    const second = await store.create({ userId: alice, sessionId: null, name: "two.pdf", sizeBytes: 1 });
    await store.saveExtraction(alice, first.id, extraction());
    const bobsChat = await chats.createSession(bob, {});
    const bobs = await store.create({ userId: bob, sessionId: bobsChat.id, name: "bob.pdf", sizeBytes: 1 });
    await store.saveExtraction(bob, bobs.id, extraction());

    expect((await store.deleteForUser(alice)).sort()).toEqual([first.id, second.id].sort());
    expect(await store.listLibrary(alice)).toEqual([]);
    expect(await database.prisma.documentChunk.count({ where: { userId: alice } })).toBe(0);

    await store.create({ userId: alice, sessionId: chat.id, name: "again.pdf", sizeBytes: 1 });
    await new UserStore(database.prisma).deleteUser(bob);
    const { prisma } = database;
    expect(await prisma.document.count({ where: { userId: bob } })).toBe(0);
    expect(await prisma.documentAttachment.count({ where: { userId: bob } })).toBe(0);
    expect(await prisma.documentChunk.count({ where: { userId: bob } })).toBe(0);
    expect(await prisma.documentPage.count({ where: { documentId: bobs.id } })).toBe(0);
    // Alice's are untouched by Bob's going.
    expect(await store.listLibrary(alice)).toHaveLength(1);
  });
});

describe("SavedDocumentStore with encryption at rest", () => {
  let cipher: FieldCipher;
  beforeEach(() => {
    cipher = createFieldCipher({ masterKeys: parseMasterKeys(`1:${generateMasterKey()}`), store: new PrismaUserKeyStore(database.prisma) });
    store = new SavedDocumentStore(database.prisma, cipher);
  });

  /** Where the canary is at rest: the SQLite file and its WAL, or any row of the document tables. */
  async function canaryAtRest(): Promise<string[]> {
    if (database.provider === "sqlite") {
      const file = fileURLToPath(database.url);
      return [file, `${file}-wal`, `${file}-shm`].filter((path) => existsSync(path) && readFileSync(path).includes(canary));
    }
    const found: string[] = [];
    for (const table of ["Document", "DocumentChunk", "DocumentPage", "DocumentAttachment"]) {
      const [row] = await database.prisma.$queryRawUnsafe<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM "${table}" t WHERE t::text ILIKE $1`, `%${canary}%`);
      if ((row?.n ?? 0) > 0) found.push(table);
    }
    return found;
  }

  async function plant(): Promise<{ documentId: string; chunkIds: string[] }> {
    const chat = await chats.createSession(alice, {});
    const document = await store.create({ userId: alice, sessionId: chat.id, name: `${canary}.pdf`, sizeBytes: 10 });
    const chunkIds = await store.saveExtraction(alice, document.id, {
      kind: "pdf",
      title: `The ${canary} report`,
      pageCount: 1,
      pages: [{ number: 1, text: `Page about ${canary}.` }],
      chunks: [chunk(0, `Passage about ${canary}.`, `${canary} methods`), chunk(1, "Plain passage.")],
    });
    await store.setSummary(alice, document.id, `A summary of ${canary}.`);
    return { documentId: document.id, chunkIds };
  }

  it("keeps a canary in the name, title, page, chunk, section and summary out of the database, and reads it all back", async () => {
    const { documentId, chunkIds } = await plant();
    expect(await canaryAtRest()).toEqual([]);
    const row = await database.prisma.document.findUniqueOrThrow({ where: { id: documentId } });
    for (const value of [row.name, row.title, row.summary]) expect(value).toMatch(/^rc1\.1\./);

    expect(await store.get(alice, documentId)).toMatchObject({ name: `${canary}.pdf`, title: `The ${canary} report`, summary: `A summary of ${canary}.` });
    expect(await store.pages(alice, documentId)).toEqual([{ number: 1, text: `Page about ${canary}.` }]);
    expect(await store.chunks(alice, chunkIds)).toMatchObject([
      { text: `Passage about ${canary}.`, section: `${canary} methods`, documentName: `${canary}.pdf` },
      { text: "Plain passage.", section: null },
    ]);
  });

  it("finds the canary when the text is stored in the clear (the scan can see it)", async () => {
    store = new SavedDocumentStore(database.prisma);
    await plant();
    expect((await canaryAtRest()).length).toBeGreaterThan(0);
    await database.prisma.document.deleteMany({});
  });

  it("refuses a chunk's text moved into another chunk's row", async () => {
    const { chunkIds } = await plant();
    const [first, second] = chunkIds;
    const moved = await database.prisma.documentChunk.findUniqueOrThrow({ where: { id: first! } });
    await database.prisma.documentChunk.update({ where: { id: second! }, data: { text: moved.text } });
    await expect(store.chunks(alice, [second!])).rejects.toBeInstanceOf(DecryptionError);
  });
});
