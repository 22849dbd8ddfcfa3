import type { ChatRequestInfo } from "@recall/fake-ollama";
import { summaryInstructions } from "@recall/memory";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { collectStream, startHarness, waitFor, type Harness, type RecallClient } from "../testing/harness.ts";

let harness: Harness;
let client: RecallClient;
let summaryCalls: ChatRequestInfo[] = [];
let failNextSummary = false;
let slowSummaries = false;

const isSummaryRequest = (request: ChatRequestInfo): boolean => request.messages[0]?.content === summaryInstructions;

beforeAll(async () => {
  harness = await startHarness({
    fake: {
      reply: (request) => {
        if (!isSummaryRequest(request)) return undefined;
        summaryCalls.push(request);
        if (failNextSummary) {
          failNextSummary = false;
          return { failure: { kind: "http-error", status: 500, message: "model crashed" } };
        }
        return { text: `Summary ${summaryCalls.length}: the user is planning a trip to Lisbon.`, ...(slowSummaries ? { firstTokenLatencyMs: 400 } : {}) };
      },
    },
    // Segments are checked after every reply here; when they are due is tested on its own below.
    config: { bufferMessages: 4, summaryEveryMessages: 6, summaryFirstAfterMessages: 6, summaryDueShare: 0 },
  });
});
afterAll(async () => {
  await harness?.close();
});
beforeEach(async () => {
  harness.fake.reset();
  summaryCalls = [];
  failNextSummary = false;
  slowSummaries = false;
  ({ client } = await harness.newUser());
});

async function exchange(sessionId: string, index: number) {
  const { assistantMessage } = await client.message.send.mutate({ sessionId, content: `Question number ${index} about the trip.` });
  await collectStream(client, assistantMessage.id);
  await harness.recall.services.summaries.idle();
  return assistantMessage;
}

function lastChatPrompt(): Array<{ role: string; content: string }> {
  const chats = harness.fake.requests.filter((request) => request.path === "/api/chat" && !isSummaryRequest({ messages: (request.body as { messages: ChatRequestInfo["messages"] }).messages } as ChatRequestInfo));
  return (chats.at(-1)?.body as { messages: Array<{ role: string; content: string }> }).messages;
}

describe("the running summary", () => {
  it("is written once per segment of evicted turns, incrementally, and reaches the next prompt", async () => {
    const session = await client.session.create.mutate({});
    for (let index = 1; index <= 4; index += 1) await exchange(session.id, index);
    // 8 messages, 4 in the buffer: 4 evicted, less than a segment of 6.
    expect(summaryCalls).toHaveLength(0);
    await exchange(session.id, 5);
    expect(summaryCalls).toHaveLength(1);
    expect(summaryCalls[0]?.lastUserMessage).toContain("Question number 1 about the trip.");
    expect(summaryCalls[0]?.lastUserMessage).not.toContain("Question number 5");

    for (let index = 6; index <= 8; index += 1) await exchange(session.id, index);
    expect(summaryCalls).toHaveLength(2);
    // Incremental: the previous summary plus only the newly evicted turns.
    expect(summaryCalls[1]?.lastUserMessage).toContain("Summary 1:");
    expect(summaryCalls[1]?.lastUserMessage).not.toContain("Question number 1 about");
    expect(summaryCalls[1]?.lastUserMessage).toContain("Question number 4 about");

    // A newer summary lays the next prompt out afresh, with the summary in its frame.
    const reply = await exchange(session.id, 9);
    const metadata = (await client.message.context.query({ messageId: reply.id })).metadata!;
    expect(metadata.promptCache).toMatchObject({ decision: "rebuilt", rebuildReason: "summary-updated" });
    expect(lastChatPrompt().some((message) => message.role === "system" && message.content.includes("Summary 2:"))).toBe(true);
    expect(metadata.layers.find((layer) => layer.layer === "summary")?.tokens).toBeGreaterThan(0);
    // Upkeep stays far below one model call per turn.
    expect(summaryCalls.length).toBeLessThanOrEqual(3);
  });

  it("reaches the prompt when the chat outgrows the budget and the prompt is laid out afresh", async () => {
    const small = await startHarness({
      fake: { reply: (request) => (isSummaryRequest(request) ? { text: `Summary of the trip, version ${Date.now()}.` } : undefined) },
      config: { bufferMessages: 4, summaryEveryMessages: 6, summaryFirstAfterMessages: 6, maxContextTokens: 500, answerReserveTokens: 100 },
    });
    try {
      const user = await small.newUser();
      const session = await user.client.session.create.mutate({});
      let rebuilt: { prompt: Array<{ role: string; content: string }>; summaryTokens: number } | null = null;
      for (let index = 1; index <= 30 && rebuilt === null; index += 1) {
        const { assistantMessage } = await user.client.message.send.mutate({ sessionId: session.id, content: `Question number ${index} about the trip.` });
        await collectStream(user.client, assistantMessage.id);
        await small.recall.services.summaries.idle();
        const metadata = (await user.client.message.context.query({ messageId: assistantMessage.id })).metadata!;
        const summarized = (await small.recall.services.summaries.current(session.id)) !== null;
        if (summarized && metadata.promptCache?.decision === "rebuilt") {
          const chats = small.fake.requests.filter((request) => request.path === "/api/chat" && !isSummaryRequest({ messages: (request.body as { messages: ChatRequestInfo["messages"] }).messages } as ChatRequestInfo));
          rebuilt = { prompt: (chats.at(-1)?.body as { messages: Array<{ role: string; content: string }> }).messages, summaryTokens: metadata.layers.find((layer) => layer.layer === "summary")?.tokens ?? 0 };
        }
      }
      expect(rebuilt).not.toBeNull();
      const current = await small.recall.services.summaries.current(session.id);
      expect(current).not.toBeNull();
      expect(rebuilt!.summaryTokens).toBeGreaterThan(0);
      expect(rebuilt!.prompt.some((message) => message.role === "system" && message.content.includes(current!.text))).toBe(true);
    } finally {
      await small.close();
    }
  });

  it("is not asked for while the chat still fits the prompt (the model would read it for nothing)", async () => {
    const roomy = await startHarness({
      fake: { reply: (request) => (isSummaryRequest(request) ? { text: "Unneeded summary." } : undefined) },
      config: { bufferMessages: 4, summaryEveryMessages: 6, summaryFirstAfterMessages: 6 },
    });
    try {
      const user = await roomy.newUser();
      const session = await user.client.session.create.mutate({});
      for (let index = 1; index <= 10; index += 1) {
        const { assistantMessage } = await user.client.message.send.mutate({ sessionId: session.id, content: `Question number ${index} about the trip.` });
        await collectStream(user.client, assistantMessage.id);
        await roomy.recall.services.summaries.idle();
      }
      // 20 messages, 16 past the buffer: far more than a segment, but all still in the prompt.
      expect(roomy.recall.services.summaries.stats.runs).toBe(0);
      expect(await roomy.recall.services.summaries.current(session.id)).toBeNull();
    } finally {
      await roomy.close();
    }
  });

  it("writes the first summary sooner than the later updates", async () => {
    const early = await startHarness({
      fake: { reply: (request) => (isSummaryRequest(request) ? { text: "Early summary." } : undefined) },
      config: { bufferMessages: 4, summaryEveryMessages: 20, summaryFirstAfterMessages: 2, summaryDueShare: 0 },
    });
    try {
      const user = await early.newUser();
      const session = await user.client.session.create.mutate({});
      for (let index = 1; index <= 3; index += 1) {
        const { assistantMessage } = await user.client.message.send.mutate({ sessionId: session.id, content: `Question ${index}.` });
        await collectStream(user.client, assistantMessage.id);
        await early.recall.services.summaries.idle();
      }
      // 6 messages, 4 in the buffer: 2 evicted are enough for the first summary, not for an update.
      expect((await early.recall.services.summaries.current(session.id))?.coveredCount).toBe(2);
    } finally {
      await early.close();
    }
  });

  it("keeps the previous summary and counts the failure when the model fails", async () => {
    const session = await client.session.create.mutate({});
    const failuresBefore = harness.recall.services.summaries.stats.failures;
    failNextSummary = true;
    for (let index = 1; index <= 5; index += 1) await exchange(session.id, index);
    expect(summaryCalls).toHaveLength(1);
    expect(harness.recall.services.summaries.stats.failures).toBe(failuresBefore + 1);
    expect(await harness.recall.services.summaries.current(session.id)).toBeNull();
    // The next reply tries again and succeeds; nothing was lost.
    await exchange(session.id, 6);
    expect(summaryCalls).toHaveLength(2);
    expect((await harness.recall.services.summaries.current(session.id))?.text).toContain("Summary 2:");
    expect(harness.recall.services.metrics.snapshot().summaries.failures).toBe(failuresBefore + 1);
  });

  it("does not count a summary as failed when its chat was deleted while it was written", async () => {
    const { summaries } = harness.recall.services;
    const failuresBefore = summaries.stats.failures;
    const session = await client.session.create.mutate({});
    for (let index = 1; index <= 4; index += 1) await exchange(session.id, index);
    slowSummaries = true;
    const { assistantMessage } = await client.message.send.mutate({ sessionId: session.id, content: "Question number 5 about the trip." });
    await collectStream(client, assistantMessage.id);
    await waitFor(() => summaryCalls.length === 1);
    await client.session.delete.mutate({ sessionId: session.id });
    await summaries.idle();
    expect(summaries.stats.failures).toBe(failuresBefore);
    expect(await harness.database.prisma.sessionSummary.count({ where: { sessionId: session.id } })).toBe(0);
  });
});
