import { createTokenCounter } from "@recall/memory/tokens";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { collectStream, startHarness, type Harness, type RecallClient } from "../testing/harness.ts";

const llama3 = createTokenCounter("llama");
let harness: Harness;
let client: RecallClient;

beforeAll(async () => {
  // The fake counts prompts with the real Llama 3 tokenizer, as Ollama would for llama3.2.
  harness = await startHarness({ fake: { countTokens: (text) => llama3.count(text), replyTokens: 30 }, config: { bufferMessages: 4 } });
});
afterAll(async () => {
  await harness?.close();
});
beforeEach(async () => {
  harness.fake.reset();
  ({ client } = await harness.newUser());
});

const filler = [
  "Can you suggest a quick pasta recipe for a weeknight?",
  "How long should I rest a steak after grilling it?",
  "What is a good stretching routine after running?",
  "Explain the difference between TCP and UDP briefly.",
  "Recommend a science fiction novel with a slow build.",
  "How do I keep basil fresh on the kitchen counter?",
];

async function say(sessionId: string, content: string) {
  const { assistantMessage, userMessage } = await client.message.send.mutate({ sessionId, content });
  await collectStream(client, assistantMessage.id);
  return { assistantMessage, userMessage };
}

function lastPrompt(): Array<{ role: string; content: string }> {
  const chat = harness.fake.requests.filter((request) => request.path === "/api/chat").at(-1);
  return (chat?.body as { messages: Array<{ role: string; content: string }> }).messages;
}

describe("memory in replies", () => {
  it("recalls an early fact that left the working buffer, within budget, and says so in the metadata", async () => {
    const session = await client.session.create.mutate({});
    const fact = await say(session.id, "My sister Anna is getting married in June in Porto.");
    for (const question of filler) await say(session.id, question);

    const { assistantMessage } = await say(session.id, "Remind me, when is my sister's wedding?");
    const prompt = lastPrompt();
    const memory = prompt.find((message, index) => index > 0 && message.role === "system");
    expect(memory?.content).toContain("My sister Anna is getting married in June in Porto.");
    // The buffer holds only the last 4 messages verbatim.
    expect(prompt.filter((message) => message.role !== "system")).toHaveLength(5);

    const context = await client.message.context.query({ messageId: assistantMessage.id });
    const metadata = context.metadata!;
    expect(metadata.recalledMessageIds).toContain(fact.userMessage.id);
    expect(metadata.layers.find((layer) => layer.layer === "recalled")?.tokens).toBeGreaterThan(0);
    expect(metadata.numCtx).toBe(harness.config.maxContextTokens);
    expect(context.promptEvalCount).toBeGreaterThan(0);
    // Ollama's own count (the real tokenizer) stays inside the budget we planned.
    expect(context.promptEvalCount!).toBeLessThanOrEqual(metadata.numCtx - harness.config.answerReserveTokens);
    const chat = harness.fake.requests.filter((request) => request.path === "/api/chat").at(-1);
    expect(chat?.truncated).toBe(false);
    expect((chat?.body as { options: { num_ctx: number } }).options.num_ctx).toBe(metadata.numCtx);
    // No embedding model configured: recall is lexical and makes no model calls.
    expect(metadata.recallBy).toEqual(["bm25"]);
    expect(harness.fake.counts.embed).toBe(0);
  });

  it("fuses recall by meaning when an embedding model is configured", async () => {
    const withEmbeddings = await startHarness({ config: { bufferMessages: 2, embeddingModel: "nomic-embed-text" } });
    try {
      const user = await withEmbeddings.newUser();
      const session = await user.client.session.create.mutate({});
      const send = async (content: string) => {
        const { assistantMessage, userMessage } = await user.client.message.send.mutate({ sessionId: session.id, content });
        await collectStream(user.client, assistantMessage.id);
        return { assistantMessage, userMessage };
      };
      const fact = await send("Our cat Miso only eats salmon kibble.");
      for (const question of filler.slice(0, 3)) await send(question);
      await (await withEmbeddings.recall.services.recallIndexes.get(user.userId)).embedded();
      const { assistantMessage } = await send("What food does Miso eat?");
      const metadata = (await user.client.message.context.query({ messageId: assistantMessage.id })).metadata!;
      expect(metadata.recallBy).toEqual(["bm25", "embeddings"]);
      expect(metadata.recalledMessageIds).toContain(fact.userMessage.id);
      expect(withEmbeddings.fake.counts.embed).toBeGreaterThan(0);
    } finally {
      await withEmbeddings.close();
    }
  });

  it("recalls what the user said in another chat", async () => {
    const earlier = await client.session.create.mutate({});
    const fact = await say(earlier.id, "I just adopted a greyhound called Biscuit.");
    const later = await client.session.create.mutate({});
    const { assistantMessage } = await say(later.id, "What is my greyhound called again?");
    const metadata = (await client.message.context.query({ messageId: assistantMessage.id })).metadata!;
    expect(metadata.recalledMessageIds).toContain(fact.userMessage.id);
    expect(lastPrompt().some((message) => message.content.includes("Biscuit"))).toBe(true);
  });

  it("never recalls another user's messages", async () => {
    const session = await client.session.create.mutate({});
    await say(session.id, "My locker code is 4711 and my cat is Pixel.");
    const other = await harness.newUser();
    const theirs = await other.client.session.create.mutate({});
    const { assistantMessage } = await other.client.message.send.mutate({ sessionId: theirs.id, content: "What is my locker code and my cat's name?" });
    await collectStream(other.client, assistantMessage.id);
    expect(JSON.stringify(lastPrompt())).not.toContain("4711");
    const metadata = (await other.client.message.context.query({ messageId: assistantMessage.id })).metadata!;
    expect(metadata.recalledMessageIds).toEqual([]);
    await expect(client.message.context.query({ messageId: assistantMessage.id })).rejects.toMatchObject({ data: { code: "NOT_FOUND" } });
  });

  it("cuts the middle of a paste longer than the whole budget, marked, instead of letting Ollama truncate", async () => {
    const session = await client.session.create.mutate({});
    await say(session.id, "I will paste a log next.");
    const log = Array.from({ length: 1500 }, (_, index) => `line ${index} status ok`).join("\n");
    const { assistantMessage } = await say(session.id, `${log}\nWhat went wrong in this log?`);
    const chat = harness.fake.requests.filter((request) => request.path === "/api/chat").at(-1);
    expect(chat?.truncated).toBe(false);
    const userTurn = lastPrompt().at(-1)!.content;
    expect(userTurn.startsWith("line 0 status ok")).toBe(true);
    expect(userTurn.endsWith("What went wrong in this log?")).toBe(true);
    expect(userTurn).toMatch(/tokens cut here to fit the model's context/);
    const context = await client.message.context.query({ messageId: assistantMessage.id });
    expect(context.metadata!.overBudget).toBe(false);
    expect(context.promptEvalCount!).toBeLessThanOrEqual(context.metadata!.numCtx - harness.config.answerReserveTokens);
    // The message itself is saved whole: only the prompt was cut.
    const saved = (await client.message.list.query({ sessionId: session.id })).items.find((message) => message.role === "user" && message.content.startsWith("line 0"));
    expect(saved?.content.length).toBe(log.length + "\nWhat went wrong in this log?".length);
  });

  it("keeps a long chat under budget by Ollama's count", async () => {
    const session = await client.session.create.mutate({});
    const long = "This is a long message about planning a garden with many details about soil, light and water. ".repeat(12);
    let last = "";
    for (let index = 0; index < 12; index += 1) last = (await say(session.id, `${index}: ${long}`)).assistantMessage.id;
    const context = await client.message.context.query({ messageId: last });
    expect(context.promptEvalCount!).toBeLessThanOrEqual(context.metadata!.numCtx - harness.config.answerReserveTokens);
    expect(context.metadata!.trimmed.length).toBeGreaterThan(0);
    expect(harness.fake.requests.filter((request) => request.path === "/api/chat").every((request) => request.truncated === false)).toBe(true);
  });
});
