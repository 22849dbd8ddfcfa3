import { createTestDatabase, type TestDatabase } from "@recall/db/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { UserStore } from "../account/user-store.ts";
import { isEphemeralId, type ChatRepository } from "./chat-repository.ts";
import { EphemeralChatStore } from "./ephemeral-store.ts";
import { RoutingChatRepository } from "./routing-chat-repository.ts";
import { SavedChatStore } from "./saved-chat-store.ts";

/** Every string an argument holds, however deep (a session object passed in carries its id). */
function stringsIn(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value && typeof value === "object") return Object.values(value).flatMap(stringsIn);
  return [];
}

/** The real store, with a record of every string each call was given. */
function recording(store: ChatRepository): { store: ChatRepository; seen: Array<{ method: string; strings: string[] }> } {
  const seen: Array<{ method: string; strings: string[] }> = [];
  const proxy = new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        seen.push({ method: String(property), strings: stringsIn(args) });
        return (value as (...values: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, seen };
}

let database: TestDatabase;
let temporaryStore: EphemeralChatStore;
let saved: ReturnType<typeof recording>;
let temporary: ReturnType<typeof recording>;
let chats: RoutingChatRepository;
let userId: string;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  temporaryStore?.close();
  await database?.close();
});
beforeEach(async () => {
  temporaryStore?.close();
  temporaryStore = new EphemeralChatStore(60_000);
  saved = recording(new SavedChatStore(database));
  temporary = recording(temporaryStore);
  chats = new RoutingChatRepository(saved.store, temporary.store);
  userId = await new UserStore(database.prisma).createUser();
});

/** One chat of each kind taken through everything a chat goes through. Returns the ids it made. */
async function useBoth(): Promise<{ savedIds: string[]; temporaryIds: string[] }> {
  const ids = { savedIds: [] as string[], temporaryIds: [] as string[] };
  for (const ephemeral of [false, true]) {
    const session = await chats.createSession(userId, { ephemeral });
    const exchange = await chats.createExchange({ userId, session, parentId: null, content: "Plant tomatoes in May?", model: "m", contextJson: "{}" });
    await chats.checkpoint(exchange.assistantMessage.id, "Yes");
    await chats.finish(exchange.assistantMessage.id, { status: "complete", content: "Yes, after the frost." });
    const reply = await chats.createReply({ userId, session, parentId: exchange.userMessage.id, model: "m" });
    await chats.finish(reply.id, { status: "complete", content: "In May." });
    await chats.requireSession(userId, session.id);
    await chats.renameSession(userId, session.id, "Tomatoes");
    await chats.listMessages(userId, { sessionId: session.id, limit: 10 });
    await chats.thread(userId, session.id, 10);
    await chats.requireMessage(userId, exchange.userMessage.id, session.id);
    await chats.sessionForSend(userId, session.id);
    await chats.findStreamingMessage(session.id);
    await chats.branchHistory(session.id, reply.id, 10);
    await chats.offBranchMessageIds(session.id, reply.id);
    await chats.contextOf(userId, exchange.assistantMessage.id);
    await chats.chatWithMessages(userId, session.id);
    (ephemeral ? ids.temporaryIds : ids.savedIds).push(session.id, exchange.userMessage.id, exchange.assistantMessage.id, reply.id);
  }
  return ids;
}

describe("RoutingChatRepository", () => {
  it("never hands a saved id to the temporary store, nor a temporary id to the saved one", async () => {
    const { savedIds, temporaryIds } = await useBoth();
    expect(savedIds.some(isEphemeralId)).toBe(false);
    expect(temporaryIds.every(isEphemeralId)).toBe(true);
    await chats.turnsByIds(userId, [...savedIds, ...temporaryIds]);
    await chats.listSessions(userId, { limit: 10 });
    await chats.searchSessions(userId, "tomatoes", 10);
    await chats.allChatsWithMessages(userId);
    for (const sessionId of [savedIds[0]!, temporaryIds[0]!]) await chats.deleteSession(userId, sessionId);

    // Both stores were used (per-user calls go to both), yet each saw only its own ids.
    expect(saved.seen.length).toBeGreaterThan(15);
    expect(temporary.seen.length).toBeGreaterThan(15);
    expect(saved.seen.filter((call) => call.strings.some((text) => temporaryIds.includes(text) || isEphemeralId(text)))).toEqual([]);
    expect(temporary.seen.filter((call) => call.strings.some((text) => savedIds.includes(text)))).toEqual([]);
  });

  it("lists temporary chats first on the first page only, and refuses a temporary cursor", async () => {
    const older = await chats.createSession(userId, { title: "Saved 1" });
    // Two chats made in the same millisecond tie on updatedAt and then sort by id, which is not time.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const newer = await chats.createSession(userId, { title: "Saved 2" });
    const offRecord = await chats.createSession(userId, { title: "Off the record", ephemeral: true });
    const first = await chats.listSessions(userId, { limit: 1 });
    expect(first.items.map((session) => session.id)).toEqual([offRecord.id, newer.id]);
    const second = await chats.listSessions(userId, { limit: 1, cursor: first.nextCursor! });
    expect(second).toEqual({ items: [expect.objectContaining({ id: older.id })], nextCursor: null });
    await expect(chats.listSessions(userId, { limit: 1, cursor: offRecord.id })).rejects.toThrow("Page with the cursor of a saved chat.");
  });

  it("answers a call about the whole user from both stores", async () => {
    const { savedIds, temporaryIds } = await useBoth();
    expect((await chats.turnsByIds(userId, [temporaryIds[1]!, savedIds[1]!, "gone"])).map((turn) => turn.id)).toEqual([temporaryIds[1], savedIds[1]]);
    expect(new Set(await chats.sessionIds(userId))).toEqual(new Set([savedIds[0], temporaryIds[0]]));
    expect(await chats.deleteAllChats(userId)).toEqual({ chats: 2, messages: 6 });
    expect(await chats.allChatsWithMessages(userId)).toEqual([]);
    await expect(chats.requireSession(userId, temporaryIds[0]!)).rejects.toThrow("That chat does not exist or is not yours.");
  });
});
