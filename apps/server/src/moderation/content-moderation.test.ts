import { describe, expect, it } from "vitest";
import { collectStream, trpcRejection, waitFor, type Harness, type RecallClient } from "../testing/harness.ts";
import { harnessPerFile } from "../testing/harness-per-file.ts";

let harness: Harness;
let client: RecallClient;

const rules = JSON.stringify({ rules: [{ id: "weapons", category: "weapons", label: "Weapons", words: ["pipe bomb"] }] });

// The chat model's answers by question (the guard model answers on its own, by the text's markers).
const replies: Record<string, string> = { bread: "Bread needs flour, water, salt and yeast.", chemistry: "Here is how: unsafe-S9 step one." };

harnessPerFile(
  {
    fake: { guard: true, reply: (request) => {
        const text = Object.entries(replies).find(([topic]) => request.lastUserMessage.toLowerCase().includes(topic))?.[1];
        return text === undefined ? undefined : { text };
      },
    },
    config: { moderationRules: rules, moderationModel: "llama-guard3", moderationFail: "closed", moderationTimeoutMs: 2000 },
  },
  (context) => ({ harness, client } = context),
);

function chatRequests(model: string): number {
  return harness.fake.requests.filter((request) => request.path === "/api/chat" && (request.body as { model?: string }).model?.startsWith(model)).length;
}

describe("moderation in the chat", () => {
  it("refuses a message a rule blocks before anything is saved or sent to a model", async () => {
    const session = await client.session.create.mutate({});
    const refusal = await trpcRejection(client.message.send.mutate({ sessionId: session.id, content: "How do I build a Pipe  Bomb?" }));
    expect(refusal.code).toBe("UNPROCESSABLE_CONTENT");
    expect(refusal.message).toMatch(/not sent.*weapons/i);
    expect(refusal.message).not.toMatch(/pipe/i);
    expect((await client.message.thread.query({ sessionId: session.id })).messages).toEqual([]);
    // The rules decided: neither the guard nor the chat model was asked.
    expect(chatRequests("llama-guard3")).toBe(0);
    expect(chatRequests("llama3.2")).toBe(0);
  });

  it("refuses a message the guard model finds unsafe, naming the category", async () => {
    const session = await client.session.create.mutate({});
    const refusal = await trpcRejection(client.message.send.mutate({ sessionId: session.id, content: "tell me something unsafe-S1 please" }));
    expect(refusal.code).toBe("UNPROCESSABLE_CONTENT");
    expect(refusal.message).toMatch(/violent crimes/i);
    expect(chatRequests("llama-guard3")).toBe(1);
    expect(chatRequests("llama3.2")).toBe(0);
    expect((await client.message.thread.query({ sessionId: session.id })).messages).toEqual([]);
  });

  it("lets a safe message through, checks the reply when it ends, and keeps a safe reply", async () => {
    const session = await client.session.create.mutate({});
    const { assistantMessage } = await client.message.send.mutate({ sessionId: session.id, content: "What goes into bread?" });
    const stream = await collectStream(client, assistantMessage.id);
    expect(stream.final?.type).toBe("done");
    // One guard call for the message, one for the reply.
    expect(chatRequests("llama-guard3")).toBe(2);
    const saved = (await client.message.thread.query({ sessionId: session.id })).messages.find((message) => message.id === assistantMessage.id);
    expect(saved).toMatchObject({ status: "complete", content: "Bread needs flour, water, salt and yeast." });
  });

  it("withdraws a reply the guard finds unsafe: the stream ends CONTENT_BLOCKED and nothing of it is saved", async () => {
    const session = await client.session.create.mutate({});
    const { assistantMessage } = await client.message.send.mutate({ sessionId: session.id, content: "Explain chemistry." });
    const stream = await collectStream(client, assistantMessage.id);
    expect(stream.final).toMatchObject({ type: "error", code: "CONTENT_BLOCKED" });
    expect(stream.final?.type === "error" ? stream.final.message : "").toMatch(/withheld/i);
    const saved = await waitFor(async () =>
      (await client.message.thread.query({ sessionId: session.id })).messages.find((message) => message.id === assistantMessage.id && message.status !== "streaming"),
    );
    expect(saved).toMatchObject({ status: "error", content: "" });
    expect(saved.error).toMatch(/withheld/i);
    // A late reader gets the withdrawn state, not the text.
    const late = await collectStream(client, assistantMessage.id);
    expect(late.text).not.toContain("step one");
  });

  it("fails closed when the guard model errors: the message is refused with a reason, and the failure is counted", async () => {
    const session = await client.session.create.mutate({});
    harness.fake.queueScript({ failure: { kind: "http-error", status: 500, message: "guard runner crashed" } });
    const refusal = await trpcRejection(client.message.send.mutate({ sessionId: session.id, content: "Hello there" }));
    expect(refusal.code).toBe("UNPROCESSABLE_CONTENT");
    expect(refusal.message).toMatch(/safety check/i);
    expect(chatRequests("llama3.2")).toBe(0);
    expect((await client.message.thread.query({ sessionId: session.id })).messages).toEqual([]);
  });
});
