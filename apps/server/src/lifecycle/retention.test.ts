import type { Clock } from "@recall/memory";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { collectStream, startHarness, type Harness, type RecallClient } from "../testing/harness.ts";

const day = 86_400_000;
let harness: Harness;
let now = Date.now();
const clock: Clock = { now: () => new Date(now) };

beforeAll(async () => {
  harness = await startHarness({
    config: { retainChatsMs: 30 * day, retainAnonymousUsersMs: 90 * day, retainEmptyUsersMs: day, retentionSweepMs: 3_600_000 },
    recall: { clock },
  });
});
afterAll(async () => {
  await harness.close();
});
beforeEach(() => {
  now = Date.now();
});

async function chatWithOneExchange(client: RecallClient, content: string) {
  const session = await client.session.create.mutate({});
  const { assistantMessage, userMessage } = await client.message.send.mutate({ sessionId: session.id, content });
  await collectStream(client, assistantMessage.id);
  return { session, userMessage, assistantMessage };
}

/** Moves a chat's last activity back in time, as if it had last been used `daysAgo` days ago. */
async function ageChat(sessionId: string, daysAgo: number): Promise<void> {
  await harness.database.prisma.chatSession.update({ where: { id: sessionId }, data: { updatedAt: new Date(Date.now() - daysAgo * day) } });
}

async function ageUser(userId: string, daysAgo: number): Promise<void> {
  await harness.database.prisma.user.update({ where: { id: userId }, data: { createdAt: new Date(Date.now() - daysAgo * day) } });
}

async function rowCounts(userId: string) {
  const { prisma } = harness.database;
  const [users, chats, messages] = await Promise.all([
    prisma.user.count({ where: { id: userId } }),
    prisma.chatSession.count({ where: { userId } }),
    prisma.message.count({ where: { userId } }),
  ]);
  return { users, chats, messages };
}

describe("retention", () => {
  it("deletes a chat idle past its time through the lifecycle, and keeps the user's fresh chats", async () => {
    const { client, userId } = await harness.newUser();
    const old = await chatWithOneExchange(client, "An old question about sourdough starters");
    const fresh = await chatWithOneExchange(client, "A new question about rye bread");
    await ageChat(old.session.id, 31);
    await ageChat(fresh.session.id, 29);
    // The recall index holds both before the sweep.
    expect((await harness.recall.services.recallIndexes.get(userId)).turns.has(old.userMessage.id)).toBe(true);

    const result = await harness.recall.services.retention.sweep();
    expect(result.chats).toBeGreaterThanOrEqual(1);
    const sessions = await client.session.list.query({ limit: 50 });
    expect(sessions.items.map((session) => session.id)).toEqual([fresh.session.id]);
    // Gone from everything derived too: recall no longer knows its turns.
    const index = await harness.recall.services.recallIndexes.get(userId);
    expect(index.turns.has(old.userMessage.id)).toBe(false);
    expect(index.turns.has(fresh.userMessage.id)).toBe(true);
    expect(await rowCounts(userId)).toMatchObject({ users: 1, chats: 1 });
  });

  it("deletes an inactive anonymous user with every row, but not an account or a user still in a temporary chat", async () => {
    const idle = await harness.newUser();
    const idleChat = await chatWithOneExchange(idle.client, "Something from long ago");
    await ageUser(idle.userId, 100);
    await ageChat(idleChat.session.id, 95);

    const account = await harness.newUser();
    const accountChat = await chatWithOneExchange(account.client, "An account's old chat");
    await ageUser(account.userId, 100);
    await ageChat(accountChat.session.id, 95);
    await harness.database.prisma.user.update({ where: { id: account.userId }, data: { kind: "account" } });

    const chatting = await harness.newUser();
    await ageUser(chatting.userId, 100);
    const temporary = await chatting.client.session.create.mutate({ ephemeral: true });

    await harness.recall.services.retention.sweep();
    // The anonymous user idle for 100 days (rule: 90) goes with everything; the others stay.
    expect(await rowCounts(idle.userId)).toEqual({ users: 0, chats: 0, messages: 0 });
    // An account is never expired as an anonymous user (its idle chat goes by the chat rule).
    expect(await rowCounts(account.userId)).toEqual({ users: 1, chats: 0, messages: 0 });
    expect(await rowCounts(chatting.userId)).toMatchObject({ users: 1 });
    expect((await chatting.client.session.list.query({ limit: 10 })).items.map((session) => session.id)).toContain(temporary.id);
    expect((await harness.recall.services.recallIndexes.get(idle.userId)).turns.size).toBe(0);
  });

  it("deletes anonymous users who never saved anything once the empty-user time has passed", async () => {
    const empty = await harness.newUser();
    const keeper = await harness.newUser();
    await chatWithOneExchange(keeper.client, "I saved something");
    await harness.recall.services.retention.sweep();
    // Arrived just now: kept.
    expect(await rowCounts(empty.userId)).toMatchObject({ users: 1 });

    now = Date.now() + day + 60_000;
    await harness.recall.services.retention.sweep();
    expect(await rowCounts(empty.userId)).toMatchObject({ users: 0 });
    expect(await rowCounts(keeper.userId)).toMatchObject({ users: 1, chats: 1 });
  });
});

describe("retention off", () => {
  it("deletes nothing and starts no sweeper when every setting is 0", async () => {
    const off = await startHarness({ config: { retainChatsMs: 0, retainAnonymousUsersMs: 0, retainEmptyUsersMs: 0 } });
    try {
      const { client, userId } = await off.newUser();
      const { session } = await chatWithOneExchangeOn(client);
      await off.database.prisma.chatSession.update({ where: { id: session.id }, data: { updatedAt: new Date(0) } });
      await off.database.prisma.user.update({ where: { id: userId }, data: { createdAt: new Date(0) } });
      expect(off.recall.services.retention.active).toBe(false);
      expect(await off.recall.services.retention.sweep()).toEqual({ chats: 0, anonymousUsers: 0, emptyUsers: 0 });
      expect(await off.database.prisma.chatSession.count({ where: { userId } })).toBe(1);
    } finally {
      await off.close();
    }
  });
});

async function chatWithOneExchangeOn(client: RecallClient) {
  return chatWithOneExchange(client, "Keep me");
}
