import type { ChatRequestInfo } from "@recall/fake-ollama";
import { episodeInstructions, summaryInstructions } from "@recall/memory";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConversationStateCache } from "../memory/conversation-state.ts";
import { collectStream, startHarness, type Harness, type RecallClient } from "../testing/harness.ts";

const isEpisodeRequest = (request: ChatRequestInfo): boolean => request.messages[0]?.content === episodeInstructions;
const isSummaryRequest = (request: ChatRequestInfo): boolean => request.messages[0]?.content === summaryInstructions;

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({
    fake: {
      reply: (request) => {
        if (isEpisodeRequest(request)) return { text: JSON.stringify({ summary: "The user talked about baking bread.", facts: ["Bakes on Sundays"] }) };
        if (isSummaryRequest(request)) return { text: "Summary: the user bakes bread." };
        if (request.lastUserMessage.startsWith("Slow:")) return { text: "An answer that takes a long while to arrive, one word at a time, on purpose", tokensPerSecond: 4 };
        return undefined;
      },
    },
    // Small chats earn a summary (after 2 evicted messages) and an episode, so every table has rows.
    config: { episodeMinimumMessages: 2, bufferMessages: 2, summaryFirstAfterMessages: 2, summaryEveryMessages: 2, summaryDueShare: 0 },
  });
});
afterAll(async () => {
  await harness?.close();
});

async function say(client: RecallClient, sessionId: string, content: string) {
  const exchange = await client.message.send.mutate({ sessionId, content });
  await collectStream(client, exchange.assistantMessage.id);
  return exchange;
}

async function settle(): Promise<void> {
  await harness.recall.services.summaries.idle();
  await harness.recall.services.episodes.idle();
}

/** Every row that belongs to the user, table by table. */
async function rowsOf(userId: string, sessionIds: string[]) {
  const prisma = harness.database.prisma;
  return {
    users: await prisma.user.count({ where: { id: userId } }),
    sessions: await prisma.chatSession.count({ where: { OR: [{ userId }, { id: { in: sessionIds } }] } }),
    messages: await prisma.message.count({ where: { OR: [{ userId }, { sessionId: { in: sessionIds } }] } }),
    summaries: await prisma.sessionSummary.count({ where: { sessionId: { in: sessionIds } } }),
    episodes: await prisma.episode.count({ where: { OR: [{ userId }, { sessionId: { in: sessionIds } }] } }),
    facts: await prisma.profileFact.count({ where: { userId } }),
  };
}

/** What a user can read of their data, without the export's timestamp. */
async function everything(client: RecallClient): Promise<unknown> {
  const { exportedAt: _exportedAt, ...rest } = JSON.parse((await client.export.all.query({ format: "json" })).content) as { exportedAt: string };
  return rest;
}

function deleteAllOverHttp(token: string, confirm: string): Promise<Response> {
  return fetch(`${harness.url}/trpc/account.deleteAll`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ confirm }),
  });
}

describe("delete everything Recall holds about me", () => {
  it("erases every row, reply, chat and cached copy of the user, and nothing of anyone else", async () => {
    const bob = await harness.newUser();
    const bobChat = await bob.client.session.create.mutate({});
    await say(bob.client, bobChat.id, "My name is Bob. What goes into rye bread?");
    await bob.client.session.create.mutate({});
    await bob.client.profile.add.mutate({ kind: "interest", value: "rye" });
    await settle();
    const bobBefore = await everything(bob.client);

    const alice = await harness.newUser();
    const bread = await alice.client.session.create.mutate({});
    await say(alice.client, bread.id, "My name is Ada. How long should dough rise?");
    await say(alice.client, bread.id, "And at a colder temperature?");
    const current = await alice.client.session.create.mutate({});
    await settle();
    await alice.client.profile.add.mutate({ kind: "preference", value: "metric units" });
    await alice.client.memory.buildContext.query({ sessionId: current.id, message: "Hello" });
    const ephemeral = await alice.client.session.create.mutate({ ephemeral: true });
    await say(alice.client, ephemeral.id, "Off the record.");
    await settle();
    const streaming = await alice.client.message.send.mutate({ sessionId: current.id, content: "Slow: tell me everything about crumb." });
    await collectStream(alice.client, streaming.assistantMessage.id, { until: (collected) => collected.text.length > 0 });

    const sessionIds = [bread.id, current.id];
    expect(await rowsOf(alice.userId, sessionIds)).toEqual({ users: 1, sessions: 2, messages: 6, summaries: 1, episodes: 1, facts: 2 });
    const cacheKey = ConversationStateCache.key(alice.userId, current.id);
    expect(await harness.recall.services.cache.get(cacheKey)).toBeDefined();

    // Without the exact words, nothing happens.
    await expect(alice.client.account.deleteAll.mutate({ confirm: "delete my dat" as "delete my data" })).rejects.toMatchObject({
      data: { code: "BAD_REQUEST" },
      message: expect.stringContaining('Type "delete my data"'),
    });
    expect((await rowsOf(alice.userId, sessionIds)).messages).toBe(6);

    const response = await deleteAllOverHttp(alice.token, "delete my data");
    expect(response.status).toBe(200);
    const body = (await response.json()) as { result: { data: { deleted: unknown } } };
    expect(body.result.data.deleted).toEqual({ chats: 3, messages: 8, facts: 2, episodes: 1 });
    const cookie = response.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^recall_access=; Max-Age=0; Path=\/trpc/);
    expect(cookie).toMatch(/recall_refresh=; Max-Age=0; Path=\/trpc/);

    // Whatever was still running has finished and written nothing back.
    expect(harness.recall.services.generations.isActive(streaming.assistantMessage.id)).toBe(false);
    await settle();
    expect(await rowsOf(alice.userId, sessionIds)).toEqual({ users: 0, sessions: 0, messages: 0, summaries: 0, episodes: 0, facts: 0 });
    expect((await harness.recall.services.chats.listSessions(alice.userId, { limit: 50 })).items).toEqual([]);
    expect(await harness.recall.services.cache.get(cacheKey)).toBeUndefined();

    // Every session ended with the data: a program still holding the old token is told so, not given a 500.
    await expect(alice.client.session.list.query()).rejects.toMatchObject({ data: { code: "UNAUTHORIZED" }, message: expect.stringContaining("session has ended") });
    await expect(alice.client.session.create.mutate({})).rejects.toMatchObject({ data: { code: "UNAUTHORIZED" }, message: expect.stringContaining("data deleted") });
    await expect(alice.client.profile.add.mutate({ kind: "name", value: "Ada" })).rejects.toMatchObject({ data: { code: "UNAUTHORIZED" } });
    await expect(alice.client.export.chat.query({ sessionId: ephemeral.id, format: "json" })).rejects.toMatchObject({ data: { code: "UNAUTHORIZED" } });
    const fresh = await harness.clientFor(null).auth.token.mutate();
    expect(fresh.userId).not.toBe(alice.userId);
    const freshClient = harness.clientFor(fresh.accessToken);
    expect(await everything(freshClient)).toEqual({ app: "Recall", chats: [], profile: [], episodes: [] });

    expect(await everything(bob.client)).toEqual(bobBefore);
  });

  it("needs an identity", async () => {
    await expect(harness.clientFor(null).account.deleteAll.mutate({ confirm: "delete my data" })).rejects.toMatchObject({ data: { code: "UNAUTHORIZED" } });
  });
});
