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
  it("sends the chat verbatim while it fits, each prompt extending the last", async () => {
    const session = await client.session.create.mutate({});
    await say(session.id, "My sister Anna is getting married in June in Porto.");
    const first = lastPrompt();
    for (const question of filler.slice(0, 3)) await say(session.id, question);
    const { assistantMessage } = await say(session.id, "Remind me, when is my sister's wedding?");
    const prompt = lastPrompt();
    // The first prompt (minus its message) is where every later one starts: Ollama reads it once.
    expect(prompt.slice(0, first.length - 1)).toEqual(first.slice(0, -1));
    expect(prompt.filter((message) => message.role === "user" && message.content.includes("Porto"))).toHaveLength(1);
    const metadata = (await client.message.context.query({ messageId: assistantMessage.id })).metadata!;
    expect(metadata.promptCache?.decision).toBe("continued");
    expect(metadata.promptCache?.expectedCachedTokens).toBeGreaterThan(metadata.promptCache!.expectedPrefillTokens);
    // How the next reply continues this prompt stays on the server.
    expect("layout" in metadata).toBe(false);
  });

  it("recalls an early fact once the chat has outgrown the budget, within budget, and says so in the metadata", async () => {
    const small = await startHarness({ fake: { countTokens: (text) => llama3.count(text), replyTokens: 30 }, config: { bufferMessages: 4, maxContextTokens: 700, answerReserveTokens: 200 } });
    try {
      const user = await small.newUser();
      const session = await user.client.session.create.mutate({});
      const send = async (content: string) => {
        const sent = await user.client.message.send.mutate({ sessionId: session.id, content });
        await collectStream(user.client, sent.assistantMessage.id);
        // Upkeep finishes before the next message, so the layouts do not depend on timing.
        await small.recall.services.summaries.idle();
        return sent;
      };
      const fact = await send("My sister Anna is getting married in June in Porto.");
      for (const question of [...filler, ...filler]) await send(question);
      const { assistantMessage } = await send("Remind me, when is my sister's wedding?");
      const chats = small.fake.requests.filter((request) => request.path === "/api/chat");
      const prompt = (chats.at(-1)?.body as { messages: Array<{ role: string; content: string }> }).messages;
      // The chat no longer fits: the fact is not sent as the user's turn any more but recalled.
      expect(prompt.some((message) => message.role === "user" && message.content.includes("Porto"))).toBe(false);
      expect(prompt.some((message, index) => index > 0 && message.role === "system" && message.content.includes("My sister Anna is getting married in June in Porto."))).toBe(true);

      const context = await user.client.message.context.query({ messageId: assistantMessage.id });
      const metadata = context.metadata!;
      const recalledSoFar = [...metadata.recalledMessageIds, ...(metadata.layers.find((layer) => layer.layer === "buffer")?.ids ?? [])];
      expect(recalledSoFar).toContain(fact.userMessage.id);
      expect(metadata.numCtx).toBe(700);
      // Ollama's own count (the real tokenizer) stays inside the budget we planned, and nothing was truncated.
      expect(context.promptEvalCount!).toBeLessThanOrEqual(700 - 200);
      expect(chats.every((request) => request.truncated === false)).toBe(true);
      expect((chats.at(-1)?.body as { options: { num_ctx: number } }).options.num_ctx).toBe(700);
      // No embedding model configured: recall is lexical and makes no model calls.
      expect(metadata.recallBy).toEqual(["bm25"]);
      expect(small.fake.counts.embed).toBe(0);
    } finally {
      await small.close();
    }
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
      // Asked in a new chat, so the answer is not already in the prompt as part of the chat.
      const next = await user.client.session.create.mutate({});
      const { assistantMessage } = await user.client.message.send.mutate({ sessionId: next.id, content: "What food does Miso eat?" });
      await collectStream(user.client, assistantMessage.id);
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
    const replies: string[] = [];
    for (let index = 0; index < 12; index += 1) replies.push((await say(session.id, `${index}: ${long}`)).assistantMessage.id);
    const contexts = await Promise.all(replies.map((messageId) => client.message.context.query({ messageId })));
    for (const context of contexts) expect(context.promptEvalCount!).toBeLessThanOrEqual(context.metadata!.numCtx - harness.config.answerReserveTokens);
    // The chat outgrew the budget: the prompt was laid out afresh with a shorter stretch of it.
    expect(contexts.some((context) => context.metadata?.promptCache?.rebuildReason === "budget-full")).toBe(true);
    expect(harness.fake.requests.filter((request) => request.path === "/api/chat").every((request) => request.truncated === false)).toBe(true);
  });
});
