import { Ollama } from "ollama";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { measurePrompt, templatedPromptTokens, TEMPLATE_TOKENS_PER_MESSAGE, TEMPLATE_TOKENS_PER_PROMPT } from "./prompt-budget.ts";
import { startFakeOllama } from "./server.ts";
import { countTokens, splitTokens } from "./tokenizer.ts";
import type { ChatMessage, FakeOllama } from "./types.ts";

describe("tokenizer", () => {
  it("counts words and punctuation marks, not whitespace", () => {
    expect(countTokens("")).toBe(0);
    expect(countTokens("Hello, world!")).toBe(4);
    expect(countTokens("  don't   stop\n")).toBe(4);
    expect(countTokens("café naïve 東京")).toBe(3);
  });

  it("splits into pieces that rebuild the text and match the count", () => {
    for (const text of ["Hello, world!", "  leading and trailing  ", "a\n\nb", "   ", "x"]) {
      const pieces = splitTokens(text);
      expect(pieces.join("")).toBe(text);
      if (text.trim() !== "") expect(pieces).toHaveLength(countTokens(text));
    }
    expect(splitTokens("Hi there.")).toEqual(["Hi", " there", "."]);
  });
});

describe("prompt budget", () => {
  const message = (role: string, words: number): ChatMessage => ({ role, content: Array(words).fill("word").join(" ") });
  const measure = (messages: ChatMessage[], numCtx: number, truncate = true) =>
    measurePrompt({ messages, tools: [], countTokens, numCtx, truncate, vision: false, extraTokens: 0 });

  it("counts template overhead per prompt and per message", () => {
    const messages = [message("system", 10), message("user", 5)];
    const expected = TEMPLATE_TOKENS_PER_PROMPT + 2 * TEMPLATE_TOKENS_PER_MESSAGE + 15;
    expect(templatedPromptTokens(messages)).toBe(expected);
    expect(measure(messages, 4096)).toEqual({ promptEvalCount: expected, truncated: false, exceedsContext: false });
  });

  it("drops old messages first, keeping system messages and the last message", () => {
    const messages = [message("system", 10), message("user", 100), message("assistant", 100), message("user", 20)];
    const kept = [messages[0]!, messages[2]!, messages[3]!];
    expect(measure(messages, templatedPromptTokens(kept))).toEqual({
      promptEvalCount: templatedPromptTokens(kept),
      truncated: true,
      exceedsContext: false,
    });
  });

  it("cuts the last message itself down to num_ctx when it alone does not fit", () => {
    expect(measure([message("user", 500)], 128)).toEqual({ promptEvalCount: 128, truncated: true, exceedsContext: false });
  });

  it("reports an oversized prompt instead of cutting it when truncate is false", () => {
    expect(measure([message("user", 500)], 128, false).exceedsContext).toBe(true);
  });

  it("keeps a tool result together with the call that produced it", () => {
    const messages: ChatMessage[] = [
      message("user", 200),
      { role: "assistant", content: "", tool_calls: [{ function: { name: "f", arguments: {} } }] },
      message("tool", 30),
      message("user", 5),
    ];
    const withCall = measure(messages, templatedPromptTokens(messages.slice(1)));
    expect(withCall.promptEvalCount).toBe(templatedPromptTokens(messages.slice(1)));
  });
});

describe("num_ctx over HTTP", () => {
  let fake: FakeOllama;
  let ollama: Ollama;

  beforeAll(async () => {
    fake = await startFakeOllama();
    ollama = new Ollama({ host: fake.url });
  });

  afterAll(async () => {
    await fake.close();
  });

  beforeEach(() => {
    fake.reset();
  });

  const longHistory = Array.from({ length: 40 }, (_, index) => ({
    role: index % 2 === 0 ? "user" : "assistant",
    content: `Turn ${index} talks about the harbor, the lantern and the long road home.`,
  }));

  it("reports the templated prompt size as prompt_eval_count", async () => {
    const messages = [{ role: "system", content: "You are terse." }, { role: "user", content: "Hello there, friend." }];
    const reply = await ollama.chat({ model: "llama3.2", messages });
    expect(reply.prompt_eval_count).toBe(templatedPromptTokens(messages));
    expect(fake.requests[0]).toMatchObject({ promptEvalCount: reply.prompt_eval_count, truncated: false, numCtx: 4096 });
  });

  it("truncates silently from the front to options.num_ctx and records it", async () => {
    const reply = await ollama.chat({ model: "llama3.2", messages: longHistory, options: { num_ctx: 256 } });
    expect(reply.done).toBe(true);
    expect(reply.prompt_eval_count).toBeLessThanOrEqual(256);
    expect(reply.prompt_eval_count).toBeLessThan(templatedPromptTokens(longHistory));
    expect(fake.requests[0]).toMatchObject({ truncated: true, numCtx: 256, promptEvalCount: reply.prompt_eval_count });
  });

  it("uses the Modelfile num_ctx, then the server default, and never exceeds the trained context", async () => {
    fake.setModels([
      { name: "small", contextLength: 512, defaultNumCtx: 300 },
      { name: "tiny", contextLength: 128 },
    ]);
    await ollama.chat({ model: "small", messages: longHistory });
    await ollama.chat({ model: "tiny", messages: longHistory, options: { num_ctx: 100_000 } });
    expect(fake.requests.map((request) => request.numCtx)).toEqual([300, 128]);
    expect(fake.requests.every((request) => request.truncated)).toBe(true);
  });

  it("answers 400 when truncate is false and the prompt does not fit", async () => {
    const response = await fetch(`${fake.url}/api/chat`, {
      method: "POST",
      body: JSON.stringify({ model: "llama3.2", messages: longHistory, options: { num_ctx: 64 }, truncate: false }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: "the input length exceeds the context length" });
  });

  it("ends with done_reason length when shift is off and the context fills up", async () => {
    const messages = [{ role: "user", content: "Hi" }];
    const promptTokens = templatedPromptTokens(messages);
    const response = await fetch(`${fake.url}/api/chat`, {
      method: "POST",
      body: JSON.stringify({ model: "llama3.2", messages, stream: false, shift: false, options: { num_ctx: promptTokens + 3 } }),
    });
    expect(await response.json()).toMatchObject({ done_reason: "length", eval_count: 3 });
  });

  it("uses a custom token counter when given one", async () => {
    const characterCounted = await startFakeOllama({ countTokens: (text) => text.length });
    try {
      const client = new Ollama({ host: characterCounted.url });
      const reply = await client.chat({ model: "llama3.2", messages: [{ role: "user", content: "abcdefghij" }] });
      expect(reply.prompt_eval_count).toBe(TEMPLATE_TOKENS_PER_PROMPT + TEMPLATE_TOKENS_PER_MESSAGE + 10);
    } finally {
      await characterCounted.close();
    }
  });
});
