import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isEphemeralId } from "../chat/chat-repository.ts";
import { EphemeralChatStore } from "../chat/ephemeral-store.ts";
import { InvalidRequestError, LimitExceededError, NotFoundError } from "../domain-errors.ts";
import type { Extraction } from "./document-store.ts";
import { EphemeralDocumentStore } from "./ephemeral-document-store.ts";

const idleTtlMs = 60_000;
let now = 1_000_000;
let chats: EphemeralChatStore;
let store: EphemeralDocumentStore;
let forgotten: Array<{ userId: string; documentIds: string[] }>;

beforeEach(() => {
  now = 1_000_000;
  forgotten = [];
  chats = new EphemeralChatStore(idleTtlMs, () => now);
  store = new EphemeralDocumentStore({
    chats,
    limits: { documentsPerUser: 3, bytesPerUser: 10_000 },
    now: () => now,
    onForgotten: (userId, documentIds) => forgotten.push({ userId, documentIds }),
  });
});
afterEach(() => {
  store.close();
  chats.close();
});

const extraction: Extraction = {
  kind: "text",
  title: null,
  pageCount: 1,
  pages: [{ number: 1, text: "Rye needs a longer proof." }],
  chunks: [
    { ordinal: 1, text: "A longer proof.", pageStart: 1, pageEnd: 1, section: "Rye" },
    { ordinal: 0, text: "Rye needs", pageStart: 1, pageEnd: 1, section: null },
  ],
};

describe("EphemeralDocumentStore", () => {
  it("holds a temporary chat's documents in memory, with temporary ids, owner-checked", async () => {
    const chat = await chats.createSession("alice", { ephemeral: true });
    const document = await store.create({ userId: "alice", sessionId: chat.id, name: "notes.txt", sizeBytes: 100 });
    expect(isEphemeralId(document.id)).toBe(true);
    expect(document).toMatchObject({ ephemeral: true, kept: false, state: "processing", stage: "queued", sessionIds: [chat.id] });
    const chunkIds = await store.saveExtraction("alice", document.id, extraction);
    expect(chunkIds.every(isEphemeralId)).toBe(true);
    expect(await store.markReady(document.id)).toBe(true);
    expect(await store.readyDocumentIdsForChat("alice", chat.id)).toEqual([document.id]);
    expect((await store.chunks("alice", [chunkIds[1]!, chunkIds[0]!])).map((chunk) => [chunk.ordinal, chunk.text, chunk.documentName])).toEqual([
      [1, "A longer proof.", "notes.txt"],
      [0, "Rye needs", "notes.txt"],
    ]);
    expect(await store.pages("alice", document.id)).toEqual(extraction.pages);
    expect(await store.listLibrary("alice")).toEqual([]);
    expect(await store.usage("alice")).toEqual({ bytes: 100, count: 1 });

    // Another user sees nothing of it, and cannot use their own chat's id to reach it.
    expect(await store.get("bob", document.id)).toBeNull();
    expect(await store.chunks("bob", chunkIds)).toEqual([]);
    expect(await store.chunksOfDocuments("bob", [document.id])).toEqual([]);
    await expect(store.pages("bob", document.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.create({ userId: "bob", sessionId: chat.id, name: "x.txt", sizeBytes: 1 })).rejects.toBeInstanceOf(NotFoundError);
    const bobs = await chats.createSession("bob", { ephemeral: true });
    await expect(store.attach("alice", document.id, bobs.id)).rejects.toBeInstanceOf(NotFoundError);
    // Never in the library, never outside a chat.
    await expect(store.setKept("alice", document.id, true)).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(store.create({ userId: "alice", sessionId: null, name: "x.txt", sizeBytes: 1 })).rejects.toBeInstanceOf(InvalidRequestError);
  });

  it("is gone with its last chat: deleted, or idle past its time, even before the sweep runs", async () => {
    const first = await chats.createSession("alice", { ephemeral: true });
    const second = await chats.createSession("alice", { ephemeral: true });
    const shared = await store.create({ userId: "alice", sessionId: first.id, name: "shared.txt", sizeBytes: 10 });
    await store.attach("alice", shared.id, second.id);
    const onlyFirst = await store.create({ userId: "alice", sessionId: first.id, name: "first.txt", sizeBytes: 10 });
    const chunkIds = await store.saveExtraction("alice", onlyFirst.id, extraction);

    // The lifecycle asks after the chat is gone which documents went with it.
    await chats.deleteSession("alice", first.id);
    expect(await store.documentsOnlyIn("alice", first.id)).toEqual([onlyFirst.id]);
    // A read meanwhile already serves nothing of the gone chat.
    expect(await store.get("alice", onlyFirst.id)).toBeNull();
    expect(await store.chunks("alice", chunkIds)).toEqual([]);
    expect(forgotten).toEqual([{ userId: "alice", documentIds: [onlyFirst.id] }]);
    expect((await store.get("alice", shared.id))?.sessionIds).toEqual([second.id]);

    // The chat store forgets an idle chat on its own; the documents' sweep follows.
    now += idleTtlMs + 1;
    expect(chats.sweep()).toBe(1);
    expect(store.size).toBe(1);
    expect(await store.sweep()).toBe(1);
    expect(store.size).toBe(0);
    expect(forgotten.at(-1)).toEqual({ userId: "alice", documentIds: [shared.id] });
  });

  it("is bounded per user by count and by bytes (uploads plus extracted text), apart from other users", async () => {
    const chat = await chats.createSession("alice", { ephemeral: true });
    const documents = [];
    for (let index = 0; index < 3; index += 1) documents.push(await store.create({ userId: "alice", sessionId: chat.id, name: `${index}.txt`, sizeBytes: 1000 }));
    await expect(store.create({ userId: "alice", sessionId: chat.id, name: "4.txt", sizeBytes: 1 })).rejects.toBeInstanceOf(LimitExceededError);
    const bobs = await chats.createSession("bob", { ephemeral: true });
    await expect(store.create({ userId: "bob", sessionId: bobs.id, name: "big.txt", sizeBytes: 10_001 })).rejects.toBeInstanceOf(LimitExceededError);
    await store.create({ userId: "bob", sessionId: bobs.id, name: "fits.txt", sizeBytes: 10_000 });

    // 3,000 bytes of uploads: 7,000 of text fit, more does not.
    const text = (bytes: number): Extraction => ({ ...extraction, pages: [{ number: 1, text: "x".repeat(bytes) }], chunks: [] });
    await store.saveExtraction("alice", documents[0]!.id, text(7000));
    await expect(store.saveExtraction("alice", documents[1]!.id, text(1))).rejects.toBeInstanceOf(LimitExceededError);
    // Replacing a document's text counts the new text instead of the old.
    await store.saveExtraction("alice", documents[0]!.id, text(6000));
    await store.saveExtraction("alice", documents[1]!.id, text(1000));

    // A failed document holds no text; a deleted one frees its place.
    expect(await store.markFailed(documents[1]!.id, "too_large", "Too large.")).toBe(true);
    expect(await store.pages("alice", documents[1]!.id)).toEqual([]);
    await store.delete("alice", documents[2]!.id);
    await store.create({ userId: "alice", sessionId: chat.id, name: "again.txt", sizeBytes: 1000 });
  });

  it("detaches without deleting, and deletes everything of a user at once", async () => {
    const chat = await chats.createSession("alice", { ephemeral: true });
    const document = await store.create({ userId: "alice", sessionId: chat.id, name: "a.txt", sizeBytes: 1 });
    expect(await store.detach("alice", document.id, chat.id)).toEqual({ remainingAttachments: 0, kept: false });
    expect(await store.documentsOnlyIn("alice", chat.id)).toEqual([document.id]);
    await store.create({ userId: "alice", sessionId: chat.id, name: "b.txt", sizeBytes: 1 });
    expect(await store.deleteForUser("alice")).toHaveLength(2);
    expect(store.size).toBe(0);
    await expect(store.delete("alice", document.id)).rejects.toBeInstanceOf(NotFoundError);
  });
});
