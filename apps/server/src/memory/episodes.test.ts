import type { ChatRequestInfo, ChatScript } from "@recall/fake-ollama";
import { episodeInstructions } from "@recall/memory";
import { afterEach, describe, expect, it } from "vitest";
import type { RecallConfig } from "../env.ts";
import { collectStream, startHarness, waitFor, type Harness, type RecallClient } from "../testing/harness.ts";

const isEpisodeRequest = (request: ChatRequestInfo): boolean => request.messages[0]?.content === episodeInstructions;

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function start(episodeReplies: Array<ChatScript>, config: Partial<RecallConfig> = {}) {
  const calls: ChatRequestInfo[] = [];
  harness = await startHarness({
    fake: {
      reply: (request) => {
        if (!isEpisodeRequest(request)) return undefined;
        calls.push(request);
        return episodeReplies.shift() ?? { text: JSON.stringify({ summary: "Fallback episode.", facts: [] }) };
      },
    },
    // The tests' chats are short; production skips chats under 10 messages.
    config: { episodeMinimumMessages: 2, ...config },
  });
  const user = await harness.newUser();
  return { harness, client: user.client, calls };
}

async function say(client: RecallClient, sessionId: string, content: string) {
  const { assistantMessage } = await client.message.send.mutate({ sessionId, content });
  await collectStream(client, assistantMessage.id);
  return assistantMessage;
}

const goodEpisode = { text: JSON.stringify({ summary: "The user planned a trip to Lisbon in March and asked about trams.", facts: ["Flies to Lisbon on March 14"] }) };

describe("episodic memory", () => {
  it("writes an episode when the user starts a new chat, and the new chat sees it", async () => {
    const { harness, client, calls } = await start([goodEpisode]);
    const first = await client.session.create.mutate({});
    await say(client, first.id, "I'm flying to Lisbon on March 14. How do the trams work?");
    const second = await client.session.create.mutate({});
    await harness.recall.services.episodes.idle();
    expect(calls).toHaveLength(1);
    // Structured output: the request carried the JSON schema.
    const episodeRequest = harness.fake.requests.find(
      (request) => (request.body as { messages?: Array<{ content: string }> } | undefined)?.messages?.[0]?.content === episodeInstructions,
    );
    expect((episodeRequest?.body as { format?: unknown }).format).toMatchObject({ type: "object" });

    const reply = await say(client, second.id, "Any tips for packing?");
    const prompt = harness.fake.requests.filter((request) => request.path === "/api/chat").at(-1)?.body as { messages: Array<{ role: string; content: string }> };
    const memory = prompt.messages.find((message, index) => index > 0 && message.role === "system");
    expect(memory?.content).toContain("The user planned a trip to Lisbon");
    expect(memory?.content).toContain("Flies to Lisbon on March 14");
    const metadata = (await client.message.context.query({ messageId: reply.id })).metadata!;
    expect(metadata.layers.find((layer) => layer.layer === "episodic")?.ids).toHaveLength(1);
    expect(harness!.recall.services.metrics.snapshot().episodes.written).toBeGreaterThanOrEqual(1);
  });

  it("retries once when the model breaks the format, and counts a failure when it does so twice", async () => {
    const { harness, client, calls } = await start([{ text: "not json at all" }, goodEpisode, { text: "{}" }, { text: "[]" }]);
    const first = await client.session.create.mutate({});
    await say(client, first.id, "Let's plan dinner.");
    await client.session.create.mutate({});
    await harness.recall.services.episodes.idle();
    expect(calls).toHaveLength(2);
    expect(await harness.database.prisma.episode.count({ where: { sessionId: first.id } })).toBe(1);

    const failuresBefore = harness.recall.services.episodes.stats.failures;
    const third = await client.session.create.mutate({});
    await say(client, third.id, "Another topic entirely.");
    await client.session.create.mutate({});
    await harness.recall.services.episodes.idle();
    expect(calls).toHaveLength(4);
    expect(harness.recall.services.episodes.stats.failures).toBe(failuresBefore + 1);
    expect(await harness.database.prisma.episode.count({ where: { sessionId: third.id } })).toBe(0);
  });

  it("learns who the user is from the same structured answer, without overriding what the user typed", async () => {
    const withProfile = {
      text: JSON.stringify({
        summary: "The user asked about trams in Lisbon.",
        facts: [],
        profile: [
          { kind: "name", value: "Marta" },
          { kind: "interest", value: "urban cycling" },
        ],
      }),
    };
    const { harness, client } = await start([withProfile]);
    await client.profile.add.mutate({ kind: "name", value: "Marta Silva" });
    const first = await client.session.create.mutate({});
    await say(client, first.id, "Trams or bikes in Lisbon?");
    await client.session.create.mutate({});
    await harness.recall.services.episodes.idle();
    const facts = await client.profile.list.query();
    expect(facts.find((fact) => fact.kind === "interest")).toMatchObject({ value: "urban cycling", source: "model" });
    const names = facts.filter((fact) => fact.kind === "name").map((fact) => `${fact.value} (${fact.source})`);
    expect(names.sort()).toEqual(["Marta (model)", "Marta Silva (user)"]);
  });

  it("skips chats too short for an episode", async () => {
    const { harness, client, calls } = await start([goodEpisode], { episodeMinimumMessages: 6 });
    const first = await client.session.create.mutate({});
    await say(client, first.id, "Just one quick question.");
    await client.session.create.mutate({});
    await harness.recall.services.episodes.idle();
    expect(calls).toHaveLength(0);
  });

  it("ends chats that sit idle past the threshold", async () => {
    const { harness, client } = await start([goodEpisode], { episodeIdleMs: 300 });
    const session = await client.session.create.mutate({});
    await say(client, session.id, "Quick question about trams.");
    await waitFor(async () => (await harness.database.prisma.episode.count({ where: { sessionId: session.id } })) === 1, 10_000);
  });
});
