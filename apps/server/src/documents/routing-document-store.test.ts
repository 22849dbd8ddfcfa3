import { createTestDatabase, type TestDatabase } from "@recall/db/testing";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { UserStore } from "../account/user-store.ts";
import { isEphemeralId } from "../chat/chat-repository.ts";
import { EphemeralChatStore } from "../chat/ephemeral-store.ts";
import { RoutingChatRepository } from "../chat/routing-chat-repository.ts";
import { SavedChatStore } from "../chat/saved-chat-store.ts";
import { NotFoundError } from "../domain-errors.ts";
import type { Extraction } from "./document-store.ts";
import { EphemeralDocumentStore } from "./ephemeral-document-store.ts";
import { RoutingDocumentStore } from "./routing-document-store.ts";
import { SavedDocumentStore } from "./saved-document-store.ts";

let database: TestDatabase;
let temporaryChats: EphemeralChatStore;
let temporary: EphemeralDocumentStore;
let chats: RoutingChatRepository;
let store: RoutingDocumentStore;
let userId: string;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.close();
});
beforeEach(async () => {
  temporaryChats = new EphemeralChatStore(60_000);
  temporary = new EphemeralDocumentStore({ chats: temporaryChats, limits: { documentsPerUser: 10, bytesPerUser: 1_000_000 } });
  chats = new RoutingChatRepository(new SavedChatStore(database), temporaryChats);
  store = new RoutingDocumentStore(new SavedDocumentStore(database.prisma), temporary);
  userId = await new UserStore(database.prisma).createUser();
});
afterEach(() => {
  temporary.close();
  temporaryChats.close();
});

function extraction(text: string): Extraction {
  return { kind: "text", title: null, pageCount: 1, pages: [{ number: 1, text }], chunks: [{ ordinal: 0, text, pageStart: 1, pageEnd: 1, section: null }] };
}

describe("RoutingDocumentStore", () => {
  it("sends a temporary chat's documents to memory and the rest to the database, and merges what spans both", async () => {
    const savedChat = await chats.createSession(userId, {});
    const temporaryChat = await chats.createSession(userId, { ephemeral: true });
    const saved = await store.create({ userId, sessionId: savedChat.id, name: "saved.txt", sizeBytes: 10 });
    const library = await store.create({ userId, sessionId: null, name: "library.txt", sizeBytes: 5 });
    const held = await store.create({ userId, sessionId: temporaryChat.id, name: "held.txt", sizeBytes: 7 });
    expect([isEphemeralId(saved.id), isEphemeralId(library.id), isEphemeralId(held.id)]).toEqual([false, false, true]);
    expect(await database.prisma.document.count({ where: { userId } })).toBe(2);
    expect(temporary.size).toBe(1);

    const [savedChunk] = await store.saveExtraction(userId, saved.id, extraction("In the database."));
    const [heldChunk] = await store.saveExtraction(userId, held.id, extraction("In memory."));
    expect(await store.markReady(held.id)).toBe(true);
    expect(await store.markReady(saved.id)).toBe(true);
    expect((await store.chunks(userId, [heldChunk!, savedChunk!])).map((chunk) => chunk.text)).toEqual(["In memory.", "In the database."]);
    expect((await store.chunksOfDocuments(userId, [held.id, saved.id])).map((chunk) => chunk.documentName)).toEqual(["held.txt", "saved.txt"]);
    expect(await store.pages(userId, held.id)).toEqual([{ number: 1, text: "In memory." }]);
    expect(await store.readyDocumentIdsForChat(userId, temporaryChat.id)).toEqual([held.id]);
    expect(await store.readyDocumentIdsForChat(userId, savedChat.id)).toEqual([saved.id]);
    expect((await store.listForChat(userId, temporaryChat.id)).map((record) => record.id)).toEqual([held.id]);
    // The library and the saved quota are saved documents only.
    expect((await store.listLibrary(userId)).map((record) => record.id).sort()).toEqual([saved.id, library.id].sort());
    expect(await store.usage(userId)).toEqual({ bytes: 15, count: 2 });

    expect((await store.deleteForUser(userId)).sort()).toEqual([saved.id, library.id, held.id].sort());
    expect(temporary.size).toBe(0);
    expect(await database.prisma.document.count({ where: { userId } })).toBe(0);
  });

  it("keeps each document in chats of its own kind: a chat of the other kind is not found", async () => {
    const savedChat = await chats.createSession(userId, {});
    const temporaryChat = await chats.createSession(userId, { ephemeral: true });
    const saved = await store.create({ userId, sessionId: savedChat.id, name: "saved.txt", sizeBytes: 1 });
    const held = await store.create({ userId, sessionId: temporaryChat.id, name: "held.txt", sizeBytes: 1 });
    await expect(store.attach(userId, saved.id, temporaryChat.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.attach(userId, held.id, savedChat.id)).rejects.toBeInstanceOf(NotFoundError);
    expect((await store.get(userId, saved.id))?.sessionIds).toEqual([savedChat.id]);
    expect((await store.get(userId, held.id))?.sessionIds).toEqual([temporaryChat.id]);
  });
});
