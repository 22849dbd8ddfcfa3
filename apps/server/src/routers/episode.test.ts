import type { ChatRequestInfo } from "@recall/fake-ollama";
import { episodeInstructions } from "@recall/memory";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { EpisodeService } from "../memory/episodes.ts";
import { collectStream, startHarness, type Harness, type RecallClient } from "../testing/harness.ts";

const isEpisodeRequest = (request: ChatRequestInfo): boolean => request.messages[0]?.content === episodeInstructions;
const lisbonEpisode = { summary: "The user planned a trip to Lisbon in March and asked about trams.", facts: ["Flies to Lisbon on March 14"] };

let harness: Harness;
let episodeCalls = 0;
beforeAll(async () => {
  harness = await startHarness({
    fake: {
      reply: (request) => {
        if (!isEpisodeRequest(request)) return undefined;
        episodeCalls += 1;
        return { text: JSON.stringify(lisbonEpisode) };
      },
    },
    // The tests' chats are short; production skips chats under 10 messages.
    config: { episodeMinimumMessages: 2 },
  });
});
afterAll(async () => {
  await harness?.close();
});
beforeEach(() => {
  episodeCalls = 0;
});

/** A finished chat, ended by starting the next one: its episode is written. Returns both chats. */
async function chatWithEpisode(client: RecallClient): Promise<{ first: { id: string }; second: { id: string } }> {
  const first = await client.session.create.mutate({});
  const { assistantMessage } = await client.message.send.mutate({ sessionId: first.id, content: "I'm flying to Lisbon on March 14. How do the trams work?" });
  await collectStream(client, assistantMessage.id);
  const second = await client.session.create.mutate({});
  await harness.recall.services.episodes.idle();
  return { first, second };
}

function memoryText(context: Array<{ role: string; content: string }>): string {
  return context.filter((message) => message.role === "system").map((message) => message.content).join("\n");
}

describe("episodes the user can see, correct and forget", () => {
  it("lists each episode with its chat's title, newest first", async () => {
    const { client } = await harness.newUser();
    const { first } = await chatWithEpisode(client);
    const listed = await client.episode.list.query();
    expect(listed).toEqual([
      {
        id: expect.any(String),
        sessionId: first.id,
        sessionTitle: "I'm flying to Lisbon on March 14. How do the trams work?",
        summary: lisbonEpisode.summary,
        facts: lisbonEpisode.facts,
        createdAt: expect.any(String),
      },
    ]);
    expect(new Date(listed[0]!.createdAt).getTime()).not.toBeNaN();
  });

  it("serves the edited episode to new chats at once, and none of it once deleted", async () => {
    const { client } = await harness.newUser();
    const { second } = await chatWithEpisode(client);
    const [episode] = await client.episode.list.query();

    const before = await client.memory.buildContext.query({ sessionId: second.id, message: "Any tips?" });
    expect(memoryText(before.context)).toContain("trip to Lisbon");
    // Now cached: only an invalidation can make the next read see the edit.
    expect((await client.memory.buildContext.query({ sessionId: second.id, message: "Any tips?" })).metadata.cached).toBe(true);

    const edited = await client.episode.update.mutate({
      episodeId: episode!.id,
      summary: "  The user planned a trip to Porto in May and asked about ferries.  ",
      facts: [" Sails to Porto on May 2 "],
    });
    expect(edited).toMatchObject({ id: episode!.id, summary: "The user planned a trip to Porto in May and asked about ferries.", facts: ["Sails to Porto on May 2"] });
    const afterEdit = memoryText((await client.memory.buildContext.query({ sessionId: second.id, message: "Any tips?" })).context);
    expect(afterEdit).toContain("trip to Porto in May");
    expect(afterEdit).toContain("Sails to Porto on May 2");
    expect(afterEdit).not.toContain("Lisbon");

    expect(await client.episode.delete.mutate({ episodeId: episode!.id })).toEqual({ episodeId: episode!.id });
    const afterDelete = await client.memory.buildContext.query({ sessionId: second.id, message: "Any tips?" });
    expect(memoryText(afterDelete.context)).not.toContain("Porto");
    expect(afterDelete.metadata.layers.find((layer) => layer.layer === "episodic")?.ids ?? []).toEqual([]);
    expect(await client.episode.list.query()).toEqual([]);
  });

  it("does not write a deleted episode again when the user starts another chat", async () => {
    const { client } = await harness.newUser();
    await chatWithEpisode(client);
    const [episode] = await client.episode.list.query();
    await client.episode.delete.mutate({ episodeId: episode!.id });
    episodeCalls = 0;
    await client.session.create.mutate({});
    await harness.recall.services.episodes.idle();
    expect(episodeCalls).toBe(0);
    expect(await client.episode.list.query()).toEqual([]);
  });

  it("keeps a deleted episode deleted after a restart, without moving its chat in the sidebar", async () => {
    const { client } = await harness.newUser();
    const { first } = await chatWithEpisode(client);
    const order = async () => (await client.session.list.query()).items.map((session) => session.id);
    const before = await order();
    const [episode] = await client.episode.list.query();
    await client.episode.delete.mutate({ episodeId: episode!.id });
    expect(await order()).toEqual(before);

    // What a restarted server builds: it knows of the deletion only what the database kept.
    const { services } = harness.recall;
    const restarted = new EpisodeService(
      harness.database.prisma,
      services.llm,
      services.models,
      { idleAfterMs: 0, sweepEveryMs: 60_000, recentEpisodes: 3, minimumMessages: 2, model: null, defaultModel: services.config.defaultModel },
      services.profiles,
      services.logger,
    );
    episodeCalls = 0;
    await restarted.sweepIdle();
    await restarted.idle();
    expect(episodeCalls).toBe(0);
    expect(await client.episode.list.query()).toEqual([]);

    // The chat goes on: it has earned a new episode.
    const { assistantMessage } = await client.message.send.mutate({ sessionId: first.id, content: "One more thing: do trams run at night?" });
    await collectStream(client, assistantMessage.id);
    await restarted.sweepIdle();
    await restarted.idle();
    expect(episodeCalls).toBe(1);
    expect((await client.episode.list.query()).map((written) => written.sessionId)).toEqual([first.id]);
  });

  it("answers NOT_FOUND for someone else's episode and leaves it as it was", async () => {
    const alice = await harness.newUser();
    const bob = await harness.newUser();
    await chatWithEpisode(alice.client);
    const [episode] = await alice.client.episode.list.query();
    expect(await bob.client.episode.list.query()).toEqual([]);
    await expect(bob.client.episode.update.mutate({ episodeId: episode!.id, summary: "Mine now.", facts: [] })).rejects.toMatchObject({
      data: { code: "NOT_FOUND" },
      message: expect.stringMatching(/does not exist or is not yours/),
    });
    await expect(bob.client.episode.delete.mutate({ episodeId: episode!.id })).rejects.toMatchObject({ data: { code: "NOT_FOUND" } });
    expect(await alice.client.episode.list.query()).toEqual([episode]);
  });

  it("refuses an empty summary, too many facts or overlong ones with a message a person can act on", async () => {
    const { client } = await harness.newUser();
    await chatWithEpisode(client);
    const [episode] = await client.episode.list.query();
    const attempts: Array<[{ summary: string; facts: string[] }, RegExp]> = [
      [{ summary: "   ", facts: [] }, /needs a summary/],
      [{ summary: "x".repeat(4001), facts: [] }, /at most 4,000 characters/],
      [{ summary: "Fine.", facts: Array.from({ length: 13 }, (_, index) => `Fact ${index}`) }, /at most 12 facts/],
      [{ summary: "Fine.", facts: ["y".repeat(301)] }, /at most 300 characters/],
      [{ summary: "Fine.", facts: [" "] }, /cannot be empty/],
    ];
    for (const [edit, message] of attempts) {
      await expect(client.episode.update.mutate({ episodeId: episode!.id, ...edit })).rejects.toMatchObject({ data: { code: "BAD_REQUEST" }, message: expect.stringMatching(message) });
    }
    expect(await client.episode.list.query()).toEqual([episode]);
  });
});
