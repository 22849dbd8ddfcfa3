import type { ChatRequestInfo } from "@recall/fake-ollama";
import { summaryInstructions } from "@recall/memory";
import { describe, expect, it } from "vitest";
import { collectStream, type Harness, type RecallClient } from "../testing/harness.ts";
import { harnessPerFile } from "../testing/harness-per-file.ts";

let harness: Harness;
let client: RecallClient;
let userId: string;

const isSummaryRequest = (request: ChatRequestInfo): boolean => request.messages[0]?.content === summaryInstructions;

harnessPerFile(
  {
    fake: { reply: (request) => (isSummaryRequest(request) ? { text: "The user is planning a trip to Lisbon in May." } : undefined) },
    config: { bufferMessages: 4, summaryEveryMessages: 4, summaryFirstAfterMessages: 4, summaryDueShare: 0 },
  },
  (context) => ({ harness, client, userId } = context),
);

async function say(sessionId: string, content: string) {
  const exchange = await client.message.send.mutate({ sessionId, content });
  await collectStream(client, exchange.assistantMessage.id);
  await harness.recall.services.summaries.idle();
  return exchange;
}

const fact = "My sister Anna is getting married in June in Porto, at the old chapel by the river.";

describe("message.context", () => {
  it("returns the turns recall used, clipped and in order, and leaves out deleted ones", async () => {
    const earlier = await client.session.create.mutate({});
    // Long enough to be clipped, and it is the fact recall should find.
    const long = `${fact} ${"We still need to book the hotel and the flights. ".repeat(12)}`;
    const remembered = await say(earlier.id, long);
    const later = await client.session.create.mutate({});
    const { assistantMessage } = await say(later.id, "When is my sister Anna's wedding in Porto?");

    const context = await client.message.context.query({ messageId: assistantMessage.id });
    const ids = context.metadata!.recalledMessageIds;
    expect(ids).toContain(remembered.userMessage.id);
    expect(context.recalled.map((turn) => turn.id)).toEqual(ids);
    const turn = context.recalled.find((candidate) => candidate.id === remembered.userMessage.id)!;
    expect(turn).toMatchObject({ sessionId: earlier.id, role: "user", createdAt: remembered.userMessage.createdAt });
    expect(long.length).toBeGreaterThan(500);
    expect(turn.content).toBe(`${long.slice(0, 500)}…`);
    expect(context.summary).toBeNull();

    // The earlier chat is deleted: its turns disappear from the answer, not the metadata.
    await client.session.delete.mutate({ sessionId: earlier.id });
    const after = await client.message.context.query({ messageId: assistantMessage.id });
    expect(after.metadata!.recalledMessageIds).toEqual(ids);
    expect(after.recalled.map((turn) => turn.id)).not.toContain(remembered.userMessage.id);
  });

  it("looks recalled turns up only among the caller's own messages", async () => {
    const session = await client.session.create.mutate({});
    const mine = await say(session.id, fact);
    const store = harness.recall.services.chats;
    expect((await store.turnsByIds(userId, [mine.userMessage.id, "gone", mine.assistantMessage.id])).map((turn) => turn.id)).toEqual([
      mine.userMessage.id,
      mine.assistantMessage.id,
    ]);
    const other = await harness.newUser();
    expect(await store.turnsByIds(other.userId, [mine.userMessage.id])).toEqual([]);
  });

  it("returns the chat's current running summary", async () => {
    const session = await client.session.create.mutate({});
    let last = await say(session.id, "I am planning a trip to Lisbon in May.");
    expect((await client.message.context.query({ messageId: last.assistantMessage.id })).summary).toBeNull();
    for (let index = 1; index <= 4; index += 1) last = await say(session.id, `Trip question number ${index}.`);

    const stored = await harness.recall.services.summaries.current(session.id);
    expect(stored).not.toBeNull();
    const context = await client.message.context.query({ messageId: last.assistantMessage.id });
    expect(context.summary).toEqual({ text: "The user is planning a trip to Lisbon in May.", coveredMessages: stored!.coveredCount });
    expect(context.summary!.coveredMessages).toBeGreaterThanOrEqual(4);
  });

  it("works for an ephemeral chat, which has no summary", async () => {
    const session = await client.session.create.mutate({ ephemeral: true });
    const { assistantMessage } = await say(session.id, "Just a quick one.");
    const context = await client.message.context.query({ messageId: assistantMessage.id });
    expect(context.metadata?.model).toBe("llama3.2");
    expect(context.summary).toBeNull();
    expect(context.recalled).toEqual([]);
  });
});
