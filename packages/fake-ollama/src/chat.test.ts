import { Ollama, type ChatResponse } from "ollama";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeOllama } from "./server.ts";
import type { FakeOllama } from "./types.ts";

let fake: FakeOllama;
let ollama: Ollama;

beforeAll(async () => {
  fake = await startFakeOllama({
    models: [
      { name: "llama3.2", family: "llama", contextLength: 131072, capabilities: ["completion", "tools"] },
      { name: "qwen3:8b", family: "qwen3", contextLength: 40960, capabilities: ["completion", "tools", "thinking"] },
    ],
  });
  ollama = new Ollama({ host: fake.url });
});

afterAll(async () => {
  await fake.close();
});

beforeEach(() => {
  fake.reset();
});

async function collect(stream: AsyncIterable<ChatResponse>): Promise<ChatResponse[]> {
  const chunks: ChatResponse[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

function ask(content: string) {
  return [{ role: "user", content }];
}

describe("streaming chat", () => {
  it("streams word pieces, then a done line with done_reason and every stat", async () => {
    const chunks = await collect(await ollama.chat({ model: "llama3.2", messages: ask("Tell me a story"), stream: true }));

    const final = chunks.at(-1)!;
    const pieces = chunks.slice(0, -1);
    expect(pieces).toHaveLength(24);
    for (const piece of pieces) {
      expect(piece).toMatchObject({ model: "llama3.2", done: false, message: { role: "assistant" } });
      expect(piece.message.content).not.toBe("");
    }
    expect(pieces.slice(1).every((piece) => /^[ .]/.test(piece.message.content))).toBe(true);
    expect(final).toMatchObject({ model: "llama3.2", done: true, done_reason: "stop", message: { role: "assistant", content: "" } });
    expect(final.eval_count).toBe(24);
    expect(final.prompt_eval_count).toBeGreaterThan(0);
    for (const field of ["total_duration", "load_duration", "prompt_eval_duration", "eval_duration"] as const) {
      expect(Number.isInteger(final[field])).toBe(true);
      expect(final[field]).toBeGreaterThan(0);
    }
    expect(String(final.created_at)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  });

  it("sends NDJSON with the Ollama content type", async () => {
    const response = await fetch(`${fake.url}/api/chat`, {
      method: "POST",
      body: JSON.stringify({ model: "llama3.2", messages: ask("hi") }),
    });
    expect(response.headers.get("content-type")).toBe("application/x-ndjson");
    const lines = (await response.text()).split("\n");
    expect(lines.at(-1)).toBe("");
    expect(lines.slice(0, -1).map((line) => JSON.parse(line).done)).toEqual([...Array(24).fill(false), true]);
  });

  it("gives the same reply to the same question and a different one to another", async () => {
    const replyTo = async (content: string) =>
      (await ollama.chat({ model: "llama3.2", messages: ask(content) })).message.content;
    const first = await replyTo("What is memory?");
    expect(await replyTo("What is memory?")).toBe(first);
    expect(await replyTo("What is a river?")).not.toBe(first);
    expect(first).toMatch(/^[A-Z][a-z]+( [a-z]+)*\./);
  });

  it("answers stream:false with one object holding the whole message and the stats", async () => {
    const streamed = await collect(await ollama.chat({ model: "llama3.2", messages: ask("same"), stream: true }));
    const whole = await ollama.chat({ model: "llama3.2", messages: ask("same"), stream: false });
    expect(whole.message.content).toBe(streamed.map((chunk) => chunk.message.content).join(""));
    expect(whole).toMatchObject({ done: true, done_reason: "stop", eval_count: 24 });
    expect(whole.prompt_eval_count).toBe(streamed.at(-1)!.prompt_eval_count);
  });

  it("stops at num_predict with done_reason length", async () => {
    const chunks = await collect(
      await ollama.chat({ model: "llama3.2", messages: ask("long"), stream: true, options: { num_predict: 5 } }),
    );
    expect(chunks).toHaveLength(6);
    expect(chunks.at(-1)).toMatchObject({ done_reason: "length", eval_count: 5 });
  });

  it("cuts the reply at a stop sequence", async () => {
    fake.queueScript({ text: "Alpha beta. STOP gamma" });
    const reply = await ollama.chat({ model: "llama3.2", messages: ask("x"), options: { stop: ["STOP"] } });
    expect(reply.message.content).toBe("Alpha beta. ");
    expect(reply.done_reason).toBe("stop");
  });

  it("loads the model for an empty message list", async () => {
    const reply = await ollama.chat({ model: "llama3.2", messages: [] });
    expect(reply).toMatchObject({ done: true, done_reason: "load", message: { role: "assistant", content: "" } });
    expect(reply.eval_count).toBeUndefined();
    const unloaded = await ollama.chat({ model: "llama3.2", messages: [], keep_alive: 0 });
    expect(unloaded.done_reason).toBe("unload");
  });

  it("lets a thinking model think first by default, and not with think:false", async () => {
    const thought = await ollama.chat({ model: "qwen3:8b", messages: ask("why?") });
    expect(thought.message.thinking).toMatch(/\w/);
    expect(thought.eval_count).toBe(24 + 12);
    const plain = await ollama.chat({ model: "qwen3:8b", messages: ask("why?"), think: false });
    expect(plain.message.thinking).toBeUndefined();
    expect(plain.message.content).toBe(thought.message.content);
  });

  it("accepts a name without a tag and a model listed with one", async () => {
    expect((await ollama.chat({ model: "llama3.2:latest", messages: ask("x") })).done).toBe(true);
    expect((await ollama.chat({ model: "qwen3:8b", messages: ask("x"), think: false })).model).toBe("qwen3:8b");
    expect(fake.requests.map((request) => request.model)).toEqual(["llama3.2:latest", "qwen3:8b"]);
  });
});

describe("scripts", () => {
  it("plays queued scripts in order before asking the reply hook", async () => {
    fake.queueScript({ text: "First reply." });
    fake.queueScript({ tokens: ["Sec", "ond", "!"] });
    const first = await collect(await ollama.chat({ model: "llama3.2", messages: ask("a"), stream: true }));
    const second = await collect(await ollama.chat({ model: "llama3.2", messages: ask("a"), stream: true }));
    expect(first.map((chunk) => chunk.message.content)).toEqual(["First", " reply", ".", ""]);
    expect(second.map((chunk) => chunk.message.content)).toEqual(["Sec", "ond", "!", ""]);
    expect(second.at(-1)!.eval_count).toBe(3);
  });

  it("asks the reply hook with the request's details", async () => {
    const seen: string[] = [];
    const hooked = await startFakeOllama({
      reply: (request) => {
        seen.push(`${request.endpoint}:${request.model}:${request.lastUserMessage}:${request.messages.length}`);
        return request.lastUserMessage === "ping" ? { text: "pong" } : undefined;
      },
    });
    try {
      const client = new Ollama({ host: hooked.url });
      const messages = [{ role: "system", content: "Be brief." }, ...ask("ping")];
      expect((await client.chat({ model: "llama3.2", messages })).message.content).toBe("pong");
      expect((await client.generate({ model: "llama3.2", prompt: "other" })).response).not.toBe("pong");
      expect(seen).toEqual(["chat:llama3.2:ping:2", "generate:llama3.2:other:1"]);
    } finally {
      await hooked.close();
    }
  });

  it("streams scripted thinking before the content", async () => {
    fake.queueScript({ thinking: "Hmm, let me see.", text: "Answer." });
    const chunks = await collect(await ollama.chat({ model: "qwen3:8b", messages: ask("q"), stream: true, think: true }));
    const thinking = chunks.filter((chunk) => chunk.message.thinking).map((chunk) => chunk.message.thinking);
    expect(thinking.join("")).toBe("Hmm, let me see.");
    expect(chunks.findIndex((chunk) => chunk.message.content !== "")).toBe(thinking.length);
    expect(chunks.at(-1)!.eval_count).toBe(thinking.length + 2);
  });

  it("leaves thinking out when the client sends think:false", async () => {
    fake.queueScript({ thinking: "hidden", text: "Visible." });
    const reply = await ollama.chat({ model: "qwen3:8b", messages: ask("q"), think: false });
    expect(reply.message.thinking).toBeUndefined();
    expect(reply.message.content).toBe("Visible.");
  });

  it("sends scripted tool calls as a message.tool_calls line", async () => {
    fake.queueScript({ toolCalls: [{ name: "lookup", arguments: { topic: "rivers" } }] });
    const tools = [{ type: "function", function: { name: "lookup", parameters: { type: "object", properties: {} } } }];
    const reply = await ollama.chat({ model: "llama3.2", messages: ask("q"), tools });
    expect(reply.message.tool_calls).toEqual([
      expect.objectContaining({ function: { index: 0, name: "lookup", arguments: { topic: "rivers" } } }),
    ]);
  });
});

describe("structured output", () => {
  it("fills every property of a format schema with a value of its type", async () => {
    const format = {
      type: "object",
      properties: {
        title: { type: "string" },
        score: { type: "number", minimum: 1 },
        count: { type: "integer" },
        done: { type: "boolean" },
        kind: { type: "string", enum: ["fact", "preference"] },
        tags: { type: "array", items: { type: "string" } },
        owner: { $ref: "#/$defs/person" },
      },
      required: ["title", "score", "count", "done", "kind", "tags", "owner"],
      $defs: { person: { type: "object", properties: { name: { type: "string" } }, required: ["name"] } },
    };
    const reply = await ollama.chat({ model: "llama3.2", messages: ask("extract"), format });
    const parsed = JSON.parse(reply.message.content);
    expect(parsed).toMatchObject({ score: 1, count: 0, done: true, kind: "fact", owner: { name: expect.any(String) } });
    expect(typeof parsed.title).toBe("string");
    expect(parsed.tags).toEqual([expect.any(String)]);
  });

  it("answers format json with a JSON object, streamed in pieces", async () => {
    const chunks = await collect(await ollama.chat({ model: "llama3.2", messages: ask("json"), format: "json", stream: true }));
    expect(chunks.length).toBeGreaterThan(3);
    expect(JSON.parse(chunks.map((chunk) => chunk.message.content).join(""))).toEqual({ response: expect.any(String) });
  });
});
