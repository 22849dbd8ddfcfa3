import type { Clock } from "@recall/memory";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { DocumentStore } from "../documents/document-store.ts";
import { EphemeralDocumentStore } from "../documents/ephemeral-document-store.ts";
import { RoutingDocumentStore } from "../documents/routing-document-store.ts";
import { SavedDocumentStore } from "../documents/saved-document-store.ts";
import type { Harness, RecallClient } from "../testing/harness.ts";
import { harnessPerFile } from "../testing/harness-per-file.ts";
import { ChatLifecycle, type LifecycleHooks } from "./chat-lifecycle.ts";
import { PrismaRetentionStore } from "./prisma-retention-store.ts";
import { RetentionSweeper } from "./retention.ts";

let harness: Harness;
let client: RecallClient;
let userId: string;
harnessPerFile({}, (context) => ({ harness, client, userId } = context));

const day = 86_400_000;
let temporary: EphemeralDocumentStore;
let store: DocumentStore;
/** Stands in for the index rows the database does not cascade: document id → owner. */
let index: Map<string, string>;
/** What the database held of the chat or user when each hook ran. */
let calls: Array<{ hook: string; rowsLeft: number }>;
let lifecycle: ChatLifecycle;

beforeEach(() => {
  const { services } = harness.recall;
  const { prisma } = harness.database;
  temporary = new EphemeralDocumentStore({ chats: services.chats, limits: { documentsPerUser: 10, bytesPerUser: 1_000_000 } });
  store = new RoutingDocumentStore(new SavedDocumentStore(prisma, services.encryption), temporary);
  index = new Map();
  calls = [];
  // What the document service does in these hooks: the store's rows, then the index's.
  const hooks: LifecycleHooks = {
    async chatDeleted(owner, sessionId) {
      calls.push({ hook: "chatDeleted", rowsLeft: await prisma.chatSession.count({ where: { id: sessionId } }) });
      for (const documentId of await store.documentsOnlyIn(owner, sessionId)) {
        await store.delete(owner, documentId);
        index.delete(documentId);
      }
    },
    async userDeleted(owner) {
      calls.push({ hook: "userDeleted", rowsLeft: await prisma.user.count({ where: { id: owner } }) });
      await store.deleteForUser(owner);
      for (const [documentId, documentOwner] of index) if (documentOwner === owner) index.delete(documentId);
    },
  };
  lifecycle = new ChatLifecycle({ ...services, hooks });
});
afterEach(() => {
  temporary.close();
});

async function upload(owner: string, sessionId: string | null, name: string): Promise<string> {
  const record = await store.create({ userId: owner, sessionId, name, sizeBytes: 10 });
  await store.saveExtraction(owner, record.id, {
    kind: "text",
    title: null,
    pageCount: 1,
    pages: [{ number: 1, text: `${name} text` }],
    chunks: [{ ordinal: 0, text: `${name} text`, pageStart: 1, pageEnd: 1, section: null }],
  });
  await store.markReady(record.id);
  index.set(record.id, owner);
  return record.id;
}

async function documentRows(owner: string) {
  const { prisma } = harness.database;
  const [documents, attachments, chunks, pages] = await Promise.all([
    prisma.document.count({ where: { userId: owner } }),
    prisma.documentAttachment.count({ where: { userId: owner } }),
    prisma.documentChunk.count({ where: { userId: owner } }),
    prisma.documentPage.count({ where: { document: { userId: owner } } }),
  ]);
  return { documents, attachments, chunks, pages };
}

describe("ChatLifecycle with documents", () => {
  it("deleting a chat deletes the documents only it held, with their index, once the chat is gone; kept and shared ones stay", async () => {
    const chat = await client.session.create.mutate({});
    const other = await client.session.create.mutate({});
    const onlyHere = await upload(userId, chat.id, "only");
    const shared = await upload(userId, chat.id, "shared");
    await store.attach(userId, shared, other.id);
    const kept = await upload(userId, chat.id, "kept");
    await store.setKept(userId, kept, true);
    // Uploaded into the chat and left in none (a detach racing the delete): nothing holds it.
    const orphan = await upload(userId, chat.id, "orphan");
    await store.detach(userId, orphan, chat.id);

    await lifecycle.deleteChat(userId, chat.id);
    expect(calls).toEqual([{ hook: "chatDeleted", rowsLeft: 0 }]);
    expect(await store.get(userId, onlyHere)).toBeNull();
    expect(await store.get(userId, orphan)).toBeNull();
    expect((await store.get(userId, shared))?.sessionIds).toEqual([other.id]);
    expect((await store.get(userId, kept))?.sessionIds).toEqual([]);
    expect([...index.keys()].sort()).toEqual([shared, kept].sort());
    expect(await documentRows(userId)).toEqual({ documents: 2, attachments: 1, chunks: 2, pages: 2 });
  });

  it("expiring a chat, saved or temporary, takes its documents the same way", async () => {
    const saved = await client.session.create.mutate({});
    const offRecord = await client.session.create.mutate({ ephemeral: true });
    const savedDocument = await upload(userId, saved.id, "saved");
    const heldDocument = await upload(userId, offRecord.id, "held");
    expect(temporary.size).toBe(1);

    expect(await lifecycle.expireChat(userId, saved.id)).toBe(true);
    expect(await lifecycle.expireChat(userId, offRecord.id)).toBe(true);
    expect(await store.get(userId, savedDocument)).toBeNull();
    expect(await store.get(userId, heldDocument)).toBeNull();
    expect(temporary.size).toBe(0);
    expect(index.size).toBe(0);
    expect(await documentRows(userId)).toEqual({ documents: 0, attachments: 0, chunks: 0, pages: 0 });
  });

  it("erasing a user deletes every document, library included, with the index, after the user's rows are gone; others keep theirs", async () => {
    const chat = await client.session.create.mutate({});
    const offRecord = await client.session.create.mutate({ ephemeral: true });
    await upload(userId, chat.id, "in a chat");
    await upload(userId, null, "in the library");
    await upload(userId, offRecord.id, "temporary");
    const stranger = await harness.newUser();
    const strangersChat = await stranger.client.session.create.mutate({});
    const strangers = await upload(stranger.userId, strangersChat.id, "theirs");

    await lifecycle.eraseUser(userId);
    expect(calls).toEqual([{ hook: "userDeleted", rowsLeft: 0 }]);
    expect(await documentRows(userId)).toEqual({ documents: 0, attachments: 0, chunks: 0, pages: 0 });
    expect(temporary.size).toBe(0);
    expect([...index.keys()]).toEqual([strangers]);
    expect(await store.get(stranger.userId, strangers)).toMatchObject({ name: "theirs", state: "ready" });
  });

  it("expiring a user takes their documents as erasing does", async () => {
    await upload(userId, null, "in the library");
    await lifecycle.expireUser(userId);
    expect(await documentRows(userId)).toEqual({ documents: 0, attachments: 0, chunks: 0, pages: 0 });
    expect(index.size).toBe(0);
  });
});

describe("retention with documents", () => {
  let now = Date.now();
  const clock: Clock = { now: () => new Date(now) };
  const policy = { chatsMs: 30 * day, anonymousUsersMs: 90 * day, emptyUsersMs: day, sweepEveryMs: 3_600_000 };

  function sweeper(): RetentionSweeper {
    return new RetentionSweeper(new PrismaRetentionStore(harness.database.prisma), lifecycle, policy, clock, harness.recall.services.logger);
  }

  async function age(owner: string, daysAgo: number): Promise<void> {
    const at = new Date(Date.now() - daysAgo * day);
    const { prisma } = harness.database;
    await prisma.user.update({ where: { id: owner }, data: { createdAt: at } });
    await prisma.chatSession.updateMany({ where: { userId: owner }, data: { updatedAt: at } });
    await prisma.document.updateMany({ where: { userId: owner }, data: { updatedAt: at } });
  }

  beforeEach(() => {
    now = Date.now();
  });

  it("deletes an expired chat's documents through the lifecycle, and keeps the library", async () => {
    const chat = await client.session.create.mutate({});
    const inChat = await upload(userId, chat.id, "in the chat");
    const inLibrary = await upload(userId, null, "in the library");
    await harness.database.prisma.chatSession.update({ where: { id: chat.id }, data: { updatedAt: new Date(Date.now() - 31 * day) } });

    expect((await sweeper().sweep()).chats).toBeGreaterThanOrEqual(1);
    expect(await store.get(userId, inChat)).toBeNull();
    expect(await store.get(userId, inLibrary)).toMatchObject({ kept: true });
    expect([...index.keys()]).toEqual([inLibrary]);
  });

  it("counts a library document as something saved and its use as activity; an idle user goes with their library", async () => {
    // Arrived two days ago with only a library document: not an empty user.
    const reader = await harness.newUser();
    await upload(reader.userId, null, "reading");
    await age(reader.userId, 2);
    // Idle for 100 days but for a document used yesterday: still active.
    const active = await harness.newUser();
    await upload(active.userId, null, "active");
    await age(active.userId, 100);
    await harness.database.prisma.document.updateMany({ where: { userId: active.userId }, data: { updatedAt: new Date(Date.now() - day) } });
    // Idle for 100 days, documents too: goes, library and all.
    const idle = await harness.newUser();
    const idleChat = await idle.client.session.create.mutate({});
    await upload(idle.userId, idleChat.id, "idle chat's");
    await upload(idle.userId, null, "idle library's");
    await age(idle.userId, 100);

    const result = await sweeper().sweep();
    expect(result.anonymousUsers).toBeGreaterThanOrEqual(1);
    const { prisma } = harness.database;
    expect(await prisma.user.count({ where: { id: { in: [reader.userId, active.userId] } } })).toBe(2);
    expect(await prisma.user.count({ where: { id: idle.userId } })).toBe(0);
    expect(await documentRows(idle.userId)).toEqual({ documents: 0, attachments: 0, chunks: 0, pages: 0 });
    expect([...index.values()]).not.toContain(idle.userId);
    expect(await documentRows(reader.userId)).toMatchObject({ documents: 1 });
  });
});
