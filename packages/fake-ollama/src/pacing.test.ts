import { Ollama } from "ollama";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeOllama } from "./server.ts";
import type { FakeOllama } from "./types.ts";

let fake: FakeOllama;
let ollama: Ollama;

beforeAll(async () => {
  fake = await startFakeOllama({ recordTokenTimes: true });
  ollama = new Ollama({ host: fake.url });
});

afterAll(async () => {
  await fake.close();
});

beforeEach(() => {
  fake.reset();
});

const messages = [{ role: "user", content: "Pace yourself" }];

describe("pacing", () => {
  it("spaces tokens at tokensPerSecond and reports a matching eval rate", async () => {
    fake.queueScript({ tokensPerSecond: 100, text: "one two three four five six seven eight nine ten eleven" });
    const started = performance.now();
    const stream = await ollama.chat({ model: "llama3.2", messages, stream: true });
    let final;
    for await (const chunk of stream) final = chunk;
    const elapsed = performance.now() - started;

    // Eleven tokens at 10 ms apart: at least 100 ms between the first and the last.
    expect(elapsed).toBeGreaterThanOrEqual(95);
    const times = fake.requests[0]?.tokenTimes ?? [];
    expect(times).toHaveLength(11);
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(95);
    const tokensPerSecond = (final!.eval_count / final!.eval_duration) * 1e9;
    expect(tokensPerSecond).toBeGreaterThan(50);
    expect(tokensPerSecond).toBeLessThanOrEqual(101);
  });

  it("waits firstTokenLatencyMs before the first token and counts it as prompt time", async () => {
    fake.queueScript({ firstTokenLatencyMs: 120, text: "late" });
    const started = performance.now();
    const reply = await ollama.chat({ model: "llama3.2", messages });
    expect(performance.now() - started).toBeGreaterThanOrEqual(115);
    expect(reply.prompt_eval_duration).toBeGreaterThanOrEqual(115e6);
    expect(reply.total_duration).toBeGreaterThanOrEqual(115e6);
  });

  it("takes just as long without streaming", async () => {
    fake.queueScript({ tokensPerSecond: 50, text: "a b c d e f" });
    const started = performance.now();
    const reply = await ollama.chat({ model: "llama3.2", messages, stream: false });
    expect(reply.message.content).toBe("a b c d e f");
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
  });
});

describe("concurrency", () => {
  it("completes 200 concurrent streams and leaves nothing active", async () => {
    const paced = await startFakeOllama({ tokensPerSecond: 200, replyTokens: 10 });
    try {
      const client = new Ollama({ host: paced.url });
      const results = await Promise.all(
        Array.from({ length: 200 }, async (_, index) => {
          const stream = await client.chat({
            model: "llama3.2",
            messages: [{ role: "user", content: `Question number ${index}` }],
            stream: true,
          });
          let text = "";
          let done = false;
          for await (const chunk of stream) {
            text += chunk.message.content;
            done = chunk.done;
          }
          return { text, done };
        }),
      );
      expect(results.every((result) => result.done && result.text.length > 0)).toBe(true);
      expect(new Set(results.map((result) => result.text)).size).toBeGreaterThan(190);
      expect(paced.counts.chat).toBe(200);
      expect(paced.requests.every((request) => request.outcome === "done" && request.evalCount === 10)).toBe(true);
      expect(paced.activeStreams()).toBe(0);
    } finally {
      await paced.close();
    }
  });
});
