import { describe, expect, it } from "vitest";
import { ConversationStateCache } from "../memory/conversation-state.ts";
import { collectStream, type Harness, type RecallClient } from "../testing/harness.ts";
import { harnessPerFile } from "../testing/harness-per-file.ts";

let harness: Harness;
let client: RecallClient;
let userId: string;
harnessPerFile({}, (context) => ({ harness, client, userId } = context));

const fact = "My sister Anna is getting married in June in Porto, at the old chapel by the river.";
const question = "When is my sister Anna's wedding in Porto?";

async function say(sessionId: string, content: string) {
  const exchange = await client.message.send.mutate({ sessionId, content });
  await collectStream(client, exchange.assistantMessage.id);
  return exchange;
}

/** The turns recall would bring into `sessionId` for `message`. */
async function recalledIds(sessionId: string, message: string): Promise<string[]> {
  const { metadata } = await client.memory.buildContext.query({ sessionId, message });
  return metadata.layers.find((layer) => layer.layer === "recalled")?.ids ?? [];
}

describe("ChatLifecycle", () => {
  it("deleting a chat forgets its recall turns and its cached conversation at once", async () => {
    const wedding = await client.session.create.mutate({});
    const told = await say(wedding.id, fact);
    const later = await client.session.create.mutate({});
    // The user's recall index is loaded now, and the wedding chat's conversation is cached.
    expect(await recalledIds(later.id, question)).toContain(told.userMessage.id);
    await client.memory.buildContext.query({ sessionId: wedding.id, message: "Hello" });
    const cacheKey = ConversationStateCache.key(userId, wedding.id);
    expect(await harness.recall.services.cache.get(cacheKey)).toBeDefined();

    await client.session.delete.mutate({ sessionId: wedding.id });

    expect(await recalledIds(later.id, question)).not.toContain(told.userMessage.id);
    expect(await harness.recall.services.cache.get(cacheKey)).toBeUndefined();
    expect(await harness.recall.services.summaries.current(wedding.id)).toBeNull();
  });

  it("expires a chat as a delete would, and says when it had gone already", async () => {
    const { lifecycle } = harness.recall.services;
    const saved = await client.session.create.mutate({});
    await say(saved.id, fact);
    const offRecord = await client.session.create.mutate({ ephemeral: true });
    expect(await lifecycle.expireChat(userId, saved.id)).toBe(true);
    expect(await lifecycle.expireChat(userId, offRecord.id)).toBe(true);
    expect(await lifecycle.expireChat(userId, saved.id)).toBe(false);
    expect((await client.session.list.query()).items).toEqual([]);
    expect(await harness.database.prisma.message.count({ where: { userId } })).toBe(0);
    // Someone else's chat is not theirs to expire: the call finds nothing.
    const stranger = await harness.newUser();
    const strangers = await stranger.client.session.create.mutate({});
    expect(await lifecycle.expireChat(userId, strangers.id)).toBe(false);
    expect((await stranger.client.session.list.query()).items.map((session) => session.id)).toEqual([strangers.id]);
  });

  it("expires a user as delete-my-data would: no rows, no temporary chats", async () => {
    const saved = await client.session.create.mutate({});
    await say(saved.id, fact);
    const offRecord = await client.session.create.mutate({ ephemeral: true });
    await say(offRecord.id, "Off the record.");
    await client.profile.add.mutate({ kind: "interest", value: "weddings" });
    expect(await harness.recall.services.lifecycle.expireUser(userId)).toEqual({ chats: 2, messages: 4, facts: expect.any(Number), episodes: 0 });
    const { prisma } = harness.database;
    expect(await prisma.user.count({ where: { id: userId } })).toBe(0);
    expect(await prisma.chatSession.count({ where: { userId } })).toBe(0);
    expect(await prisma.message.count({ where: { userId } })).toBe(0);
    expect(await prisma.profileFact.count({ where: { userId } })).toBe(0);
    expect(await harness.recall.services.chats.allChatsWithMessages(userId)).toEqual([]);
  });
});
