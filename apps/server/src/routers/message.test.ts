import type { Socket } from "node:net";
import { limits } from "@recall/schema";
import { describe, expect, it } from "vitest";
import { collectStream, startHarness, waitFor, type Harness, type RecallClient, trpcRejection } from "../testing/harness.ts";
import { harnessPerFile } from "../testing/harness-per-file.ts";

let harness: Harness;
let client: RecallClient;

harnessPerFile({}, (context) => ({ harness, client } = context));

function words(count: number, prefix = "w"): string[] {
  return Array.from({ length: count }, (_, index) => ` ${prefix}${index}`);
}

async function savedMessage(sessionId: string, messageId: string) {
  const { items } = await client.message.list.query({ sessionId });
  return items.find((message) => message.id === messageId);
}

describe("sending and streaming", () => {
  it("streams a reply and saves it complete with its token counts", async () => {
    const session = await client.session.create.mutate({});
    harness.fake.queueScript({ tokens: words(12) });
    const { userMessage, assistantMessage } = await client.message.send.mutate({ sessionId: session.id, content: "Tell me something." });
    expect(userMessage).toMatchObject({ role: "user", content: "Tell me something.", status: "complete" });
    expect(assistantMessage).toMatchObject({ role: "assistant", content: "", status: "streaming", parentId: userMessage.id, model: "llama3.2" });

    const stream = await collectStream(client, assistantMessage.id);
    expect(stream.text).toBe(words(12).join(""));
    expect(stream.final).toMatchObject({ type: "done", doneReason: "stop" });
    const done = stream.final as { promptTokens: number; completionTokens: number };
    expect(done.completionTokens).toBe(12);
    expect(done.promptTokens).toBeGreaterThan(0);

    const saved = await savedMessage(session.id, assistantMessage.id);
    expect(saved).toMatchObject({ status: "complete", content: words(12).join(""), completionTokens: 12, promptTokens: done.promptTokens });
    // The first message titles the chat.
    expect((await client.session.list.query()).items[0]?.title).toBe("Tell me something.");
  });

  it("sends the system prompt, the earlier turns and num_ctx to Ollama", async () => {
    const session = await client.session.create.mutate({});
    const first = await client.message.send.mutate({ sessionId: session.id, content: "Tell me about the Eiffel Tower." });
    await collectStream(client, first.assistantMessage.id);
    const second = await client.message.send.mutate({ sessionId: session.id, content: "How tall is it?" });
    await collectStream(client, second.assistantMessage.id);
    const chats = harness.fake.requests.filter((request) => request.path === "/api/chat");
    const body = chats.at(-1)?.body as { messages: Array<{ role: string; content: string }>; options?: { num_ctx?: number } };
    expect(body.messages.map((message) => message.role)).toEqual(["system", "user", "assistant", "user"]);
    expect(body.messages[1]?.content).toBe("Tell me about the Eiffel Tower.");
    expect(body.messages[3]?.content).toBe("How tall is it?");
    expect(body.options?.num_ctx).toBe(harness.config.maxContextTokens);
    expect(second.userMessage.parentId).toBe(first.assistantMessage.id);
  });

  it("branches instead of overwriting when a message answers an earlier one", async () => {
    const session = await client.session.create.mutate({});
    const first = await client.message.send.mutate({ sessionId: session.id, content: "Plan a trip to Lisbon." });
    await collectStream(client, first.assistantMessage.id);
    const second = await client.message.send.mutate({ sessionId: session.id, content: "Make it three days." });
    await collectStream(client, second.assistantMessage.id);

    // Edit the second question: answer the first reply again, on a new branch.
    const edited = await client.message.send.mutate({ sessionId: session.id, content: "Make it a week.", parentId: first.assistantMessage.id });
    await collectStream(client, edited.assistantMessage.id);
    expect(edited.userMessage.parentId).toBe(first.assistantMessage.id);
    const prompt = harness.fake.requests.filter((request) => request.path === "/api/chat").at(-1)?.body as { messages: Array<{ content: string }> };
    const contents = prompt.messages.map((message) => message.content);
    expect(contents).toContain("Plan a trip to Lisbon.");
    expect(contents).not.toContain("Make it three days.");
    expect(contents.at(-1)).toBe("Make it a week.");

    // Both branches stay in the chat.
    const { items } = await client.message.list.query({ sessionId: session.id });
    expect(items.filter((message) => message.parentId === first.assistantMessage.id).map((message) => message.content).sort()).toEqual([
      "Make it a week.",
      "Make it three days.",
    ]);
  });

  it("pages a chat's messages backwards from the newest, oldest first within a page", async () => {
    const session = await client.session.create.mutate({});
    for (const content of ["one", "two", "three"]) {
      const { assistantMessage } = await client.message.send.mutate({ sessionId: session.id, content });
      await collectStream(client, assistantMessage.id);
    }
    const newest = await client.message.list.query({ sessionId: session.id, limit: 4 });
    expect(newest.items.map((message) => message.role)).toEqual(["user", "assistant", "user", "assistant"]);
    expect(newest.items[0]?.content).toBe("two");
    const older = await client.message.list.query({ sessionId: session.id, limit: 4, before: newest.nextBefore! });
    expect(older.items.map((message) => message.content)[0]).toBe("one");
    expect(older.items).toHaveLength(2);
    expect(older.nextBefore).toBeNull();
  });

  it("stop ends the reply interrupted and keeps the partial text", async () => {
    const session = await client.session.create.mutate({});
    harness.fake.queueScript({ tokens: words(200), tokensPerSecond: 50 });
    const { assistantMessage } = await client.message.send.mutate({ sessionId: session.id, content: "Write a lot." });
    const partial = await collectStream(client, assistantMessage.id, { until: (collected) => collected.text.length > 10 });
    const result = await client.message.stop.mutate({ messageId: assistantMessage.id });
    expect(result.stopped).toBe(true);
    const saved = await savedMessage(session.id, assistantMessage.id);
    expect(saved?.status).toBe("interrupted");
    expect(saved!.content.startsWith(partial.text)).toBe(true);
    expect(saved!.content.length).toBeLessThan(words(200).join("").length);
    // A later subscriber learns how it ended.
    const replay = await collectStream(client, assistantMessage.id);
    expect(replay.final).toMatchObject({ type: "interrupted", reason: "stopped" });
    expect(replay.text).toBe(saved!.content);
    expect((await client.message.stop.mutate({ messageId: assistantMessage.id })).stopped).toBe(false);
  });

  it("stop only stops its own reply", async () => {
    const other = await harness.newUser();
    const mine = await client.session.create.mutate({});
    const theirs = await other.client.session.create.mutate({});
    harness.fake.queueScript({ tokens: words(30), tokensPerSecond: 100 });
    harness.fake.queueScript({ tokens: words(30), tokensPerSecond: 100 });
    const a = await client.message.send.mutate({ sessionId: mine.id, content: "one" });
    const b = await other.client.message.send.mutate({ sessionId: theirs.id, content: "two" });
    await client.message.stop.mutate({ messageId: a.assistantMessage.id });
    const otherStream = await collectStream(other.client, b.assistantMessage.id);
    expect(otherStream.final?.type).toBe("done");
    expect(otherStream.text).toBe(words(30).join(""));
    // And nobody can stop or read someone else's reply.
    expect((await trpcRejection(client.message.stop.mutate({ messageId: b.assistantMessage.id }))).code).toBe("NOT_FOUND");
    await expect(collectStream(client, b.assistantMessage.id)).rejects.toMatchObject({ data: { code: "NOT_FOUND" } });
  });

  it("resumes after the last event it saw, with no gap and no duplicate", async () => {
    const session = await client.session.create.mutate({});
    const tokens = words(60);
    harness.fake.queueScript({ tokens, tokensPerSecond: 200 });
    const { assistantMessage } = await client.message.send.mutate({ sessionId: session.id, content: "Stream please." });
    const before = await collectStream(client, assistantMessage.id, { until: (collected) => collected.events.length >= 5 });
    const lastId = before.events.at(-1)!.id;
    const after = await collectStream(client, assistantMessage.id, { lastEventId: lastId });
    expect(before.text + after.text).toBe(tokens.join(""));
    const ids = [...before.events, ...after.events].map((entry) => Number(entry.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([...ids].sort((left, right) => left - right));
  });

  it("survives the SSE connection dropping mid-stream: the client reconnects and resumes", async () => {
    const session = await client.session.create.mutate({});
    const tokens = words(80);
    harness.fake.queueScript({ tokens, tokensPerSecond: 100 });
    const sockets = new Set<Socket>();
    const onConnection = (socket: Socket): void => void sockets.add(socket);
    harness.recall.app.server.on("connection", onConnection);
    try {
      const { assistantMessage } = await client.message.send.mutate({ sessionId: session.id, content: "Stream through a drop." });
      let dropped = false;
      const stream = collectStream(client, assistantMessage.id, {
        timeoutMs: 20_000,
        until: (collected) => {
          if (!dropped && collected.events.length >= 3) {
            dropped = true;
            // Cut every live connection: the subscription's socket goes with them.
            for (const socket of sockets) socket.destroy();
          }
          return false;
        },
      });
      const result = await stream;
      expect(dropped).toBe(true);
      expect(result.final?.type).toBe("done");
      expect(result.text).toBe(tokens.join(""));
      const ids = result.events.map((entry) => entry.id);
      expect(new Set(ids).size).toBe(ids.length);
    } finally {
      harness.recall.app.server.off("connection", onConnection);
    }
  });

  it("a model failing mid-stream leaves the reply `error` with its partial text, and the server healthy", async () => {
    const session = await client.session.create.mutate({});
    harness.fake.queueScript({ tokens: words(20), failure: { kind: "error-line", afterTokens: 5, message: "CUDA out of memory" } });
    const { assistantMessage } = await client.message.send.mutate({ sessionId: session.id, content: "Fail halfway." });
    const stream = await collectStream(client, assistantMessage.id);
    expect(stream.final).toMatchObject({ type: "error", code: "MODEL_ERROR" });
    expect((stream.final as { message: string }).message).toContain("CUDA out of memory");
    const saved = await savedMessage(session.id, assistantMessage.id);
    expect(saved).toMatchObject({ status: "error", content: words(5).join("") });
    expect(saved?.error).toContain("CUDA out of memory");
    expect((await client.health.query()).ok).toBe(true);

    // A broken connection is reported as such, and the chat goes on.
    harness.fake.queueScript({ tokens: words(20), failure: { kind: "reset", afterTokens: 3 } });
    const broken = await client.message.send.mutate({ sessionId: session.id, content: "Again." });
    expect((await collectStream(client, broken.assistantMessage.id)).final).toMatchObject({ type: "error", code: "STREAM_BROKEN" });
    const next = await client.message.send.mutate({ sessionId: session.id, content: "And again." });
    expect((await collectStream(client, next.assistantMessage.id)).final?.type).toBe("done");
  });

  it("an unknown model gives a typed error that says what to do", async () => {
    const session = await client.session.create.mutate({});
    const { assistantMessage, userMessage } = await client.message.send.mutate({ sessionId: session.id, content: "Hi", model: "no-such-model" });
    const stream = await collectStream(client, assistantMessage.id);
    expect(stream.final).toMatchObject({ type: "error", code: "MODEL_NOT_FOUND" });
    expect((stream.final as { message: string }).message).toContain("ollama pull no-such-model");
    expect(await savedMessage(session.id, userMessage.id)).toMatchObject({ content: "Hi", status: "complete" });
  });

  it("refuses a second message while a reply is streaming", async () => {
    const session = await client.session.create.mutate({});
    harness.fake.queueScript({ tokens: words(50), tokensPerSecond: 50 });
    const first = await client.message.send.mutate({ sessionId: session.id, content: "one" });
    const conflict = await trpcRejection(client.message.send.mutate({ sessionId: session.id, content: "two" }));
    expect(conflict.code).toBe("CONFLICT");
    await client.message.stop.mutate({ messageId: first.assistantMessage.id });
  });

  it("rejects empty, oversized and misdirected messages with typed errors", async () => {
    const session = await client.session.create.mutate({});
    const empty = await trpcRejection(client.message.send.mutate({ sessionId: session.id, content: "  \n " }));
    expect(empty).toEqual({ code: "BAD_REQUEST", message: "Type a message before sending." });
    const oversized = await trpcRejection(client.message.send.mutate({ sessionId: session.id, content: "x".repeat(limits.messageMaxChars + 1) }));
    expect(oversized.code).toBe("BAD_REQUEST");
    expect(oversized.message).toMatch(/at most 32,000 characters/);
    expect((await trpcRejection(client.message.send.mutate({ sessionId: "doesnotexist", content: "hi" }))).code).toBe("NOT_FOUND");
    expect((await trpcRejection(client.message.list.query({ sessionId: "doesnotexist" }))).code).toBe("NOT_FOUND");
    expect((await trpcRejection(client.message.send.mutate({ sessionId: session.id, content: "hi", parentId: "nope" }))).code).toBe("NOT_FOUND");
    expect((await client.message.list.query({ sessionId: session.id })).items).toEqual([]);
  });
});

describe("when Ollama is down", () => {
  it("reports it in models.list and as a typed stream error, keeping the user's message", async () => {
    const down = await startHarness({ config: { ollamaUrl: "http://127.0.0.1:9" } });
    try {
      const user = await down.newUser();
      const models = await user.client.models.list.query();
      expect(models.ollama.reachable).toBe(false);
      expect(models.ollama.problem).toMatch(/ollama serve/);
      const session = await user.client.session.create.mutate({});
      const { assistantMessage, userMessage } = await user.client.message.send.mutate({ sessionId: session.id, content: "Anyone there?" });
      const stream = await collectStream(user.client, assistantMessage.id);
      expect(stream.final).toMatchObject({ type: "error", code: "OLLAMA_UNREACHABLE" });
      const { items } = await user.client.message.list.query({ sessionId: session.id });
      expect(items.map((message) => [message.id, message.status])).toEqual([
        [userMessage.id, "complete"],
        [assistantMessage.id, "error"],
      ]);
    } finally {
      await down.close();
    }
  });
});

describe("models", () => {
  it("lists Ollama's models with their context length", async () => {
    const models = await client.models.list.query();
    expect(models.ollama).toMatchObject({ reachable: true, problem: null });
    expect(models.models.find((model) => model.name.startsWith("llama3.2"))?.contextLength).toBe(131072);
  });
});

describe("shutdown", () => {
  it("saves replies in progress as interrupted", async () => {
    const local = await startHarness();
    const user = await local.newUser();
    const session = await user.client.session.create.mutate({});
    local.fake.queueScript({ tokens: words(500), tokensPerSecond: 100 });
    const { assistantMessage } = await user.client.message.send.mutate({ sessionId: session.id, content: "Long one." });
    await collectStream(user.client, assistantMessage.id, { until: (collected) => collected.events.length >= 3 });
    await local.recall.close();
    const row = await waitFor(() => local.database.prisma.message.findUnique({ where: { id: assistantMessage.id } }));
    expect(row.status).toBe("interrupted");
    expect(row.content.length).toBeGreaterThan(0);
    await local.fake.close();
    await local.database.close();
  });
});
