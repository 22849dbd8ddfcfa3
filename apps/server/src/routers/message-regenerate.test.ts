import { DEFAULT_MODELS } from "@recall/fake-ollama";
import { describe, expect, it } from "vitest";
import { collectStream, waitFor, type Harness, type RecallClient, trpcRejection } from "../testing/harness.ts";
import { harnessPerFile } from "../testing/harness-per-file.ts";

let harness: Harness;
let client: RecallClient;
let userId: string;

harnessPerFile({ fake: { models: [...DEFAULT_MODELS, { name: "mistral", family: "llama", contextLength: 32768 }] } }, (context) => ({ harness, client, userId } = context));

async function say(sessionId: string, content: string, reply?: string) {
  if (reply) harness.fake.queueScript({ text: reply });
  const exchange = await client.message.send.mutate({ sessionId, content });
  await collectStream(client, exchange.assistantMessage.id);
  return exchange;
}

function lastPrompt(): Array<{ role: string; content: string }> {
  const chat = harness.fake.requests.filter((request) => request.path === "/api/chat").at(-1);
  return (chat?.body as { messages: Array<{ role: string; content: string }> }).messages;
}

describe("message.regenerate", () => {
  it("writes a sibling reply from the branch that ends at the question, and keeps the old one", async () => {
    const session = await client.session.create.mutate({});
    const first = await say(session.id, "Name a fruit.", "An apple.");
    const second = await say(session.id, "Name a colour.", "Blue.");

    harness.fake.queueScript({ text: "Green." });
    const { assistantMessage } = await client.message.regenerate.mutate({ messageId: second.assistantMessage.id });
    expect(assistantMessage).toMatchObject({ role: "assistant", status: "streaming", content: "", parentId: second.userMessage.id, model: "llama3.2" });
    expect(assistantMessage.id).not.toBe(second.assistantMessage.id);
    const stream = await collectStream(client, assistantMessage.id);
    expect(stream.final?.type).toBe("done");
    expect(stream.text).toBe("Green.");

    // The model saw the chat up to the question, ending with the question itself, once.
    const prompt = lastPrompt();
    expect(prompt.filter((message) => message.role !== "system").map((message) => message.content)).toEqual([
      "Name a fruit.",
      "An apple.",
      "Name a colour.",
    ]);
    expect(JSON.stringify(prompt).split("Name a colour.")).toHaveLength(2);
    const metadata = (await client.message.context.query({ messageId: assistantMessage.id })).metadata!;
    expect(metadata.recalledMessageIds).not.toContain(second.userMessage.id);
    expect(metadata.recalledMessageIds).not.toContain(second.assistantMessage.id);

    const thread = await client.message.thread.query({ sessionId: session.id });
    const replies = thread.messages.filter((message) => message.parentId === second.userMessage.id);
    expect(replies.map((message) => [message.id, message.content, message.status])).toEqual([
      [second.assistantMessage.id, "Blue.", "complete"],
      [assistantMessage.id, "Green.", "complete"],
    ]);
    expect(thread.messages.filter((message) => message.role === "user").map((message) => message.id)).toEqual([first.userMessage.id, second.userMessage.id]);
    // The new reply joins the recall index once it is finished.
    await waitFor(async () => (await harness.recall.services.recallIndexes.get(userId)).turns.has(assistantMessage.id));
  });

  it("regenerates the first reply of a chat from no history, with another model when asked", async () => {
    const session = await client.session.create.mutate({});
    const first = await say(session.id, "Say hello.");
    const { assistantMessage } = await client.message.regenerate.mutate({ messageId: first.assistantMessage.id, model: "mistral" });
    expect(assistantMessage.model).toBe("mistral");
    expect((await collectStream(client, assistantMessage.id)).final?.type).toBe("done");
    const chat = harness.fake.requests.filter((request) => request.path === "/api/chat").at(-1);
    expect((chat?.body as { model: string }).model).toBe("mistral");
    expect(lastPrompt().filter((message) => message.role !== "system").map((message) => message.content)).toEqual(["Say hello."]);
  });

  it("works in an ephemeral chat", async () => {
    const session = await client.session.create.mutate({ ephemeral: true });
    const first = await say(session.id, "Off the record: name a bird.", "A robin.");
    harness.fake.queueScript({ text: "A wren." });
    const { assistantMessage } = await client.message.regenerate.mutate({ messageId: first.assistantMessage.id });
    expect(assistantMessage.parentId).toBe(first.userMessage.id);
    expect((await collectStream(client, assistantMessage.id)).text).toBe("A wren.");
    const thread = await client.message.thread.query({ sessionId: session.id });
    expect(thread.messages.map((message) => [message.content, message.parentId])).toEqual([
      ["Off the record: name a bird.", null],
      ["A robin.", first.userMessage.id],
      ["A wren.", first.userMessage.id],
    ]);
    // Nothing of an ephemeral chat reaches the recall index.
    expect((await harness.recall.services.recallIndexes.get(userId)).turns.has(assistantMessage.id)).toBe(false);
  });

  it("refuses a user message, someone else's reply and a chat that is still streaming", async () => {
    const session = await client.session.create.mutate({});
    const first = await say(session.id, "Count to three.");

    const ofUserMessage = await trpcRejection(client.message.regenerate.mutate({ messageId: first.userMessage.id }));
    expect(ofUserMessage).toEqual({
      code: "BAD_REQUEST",
      message: "Only an assistant reply can be regenerated. To change your own message, edit it and send it again.",
    });

    const other = await harness.newUser();
    expect((await trpcRejection(other.client.message.regenerate.mutate({ messageId: first.assistantMessage.id }))).code).toBe("NOT_FOUND");
    expect((await trpcRejection(client.message.regenerate.mutate({ messageId: "no-such-message" }))).code).toBe("NOT_FOUND");

    harness.fake.queueScript({ tokens: Array.from({ length: 200 }, (_, index) => ` w${index}`), tokensPerSecond: 50 });
    const streaming = await client.message.send.mutate({ sessionId: session.id, content: "Now count to two hundred." });
    for (const messageId of [streaming.assistantMessage.id, first.assistantMessage.id]) {
      const conflict = await trpcRejection(client.message.regenerate.mutate({ messageId }));
      expect(conflict).toEqual({ code: "CONFLICT", message: "A reply is still being written in this chat. Stop it or wait for it to finish." });
    }
    await client.message.stop.mutate({ messageId: streaming.assistantMessage.id });
    // Once stopped, the interrupted reply can be regenerated.
    const again = await client.message.regenerate.mutate({ messageId: streaming.assistantMessage.id });
    expect((await collectStream(client, again.assistantMessage.id)).final?.type).toBe("done");
    const thread = await client.message.thread.query({ sessionId: session.id });
    expect(thread.messages.filter((message) => message.parentId === streaming.userMessage.id).map((message) => message.status)).toEqual([
      "interrupted",
      "complete",
    ]);
  });
});
