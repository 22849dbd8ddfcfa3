import { Ollama } from "ollama";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { startFakeOllama } from "./server.ts";
import type { FakeOllama } from "./types.ts";

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

const messages = [{ role: "user", content: "Hello" }];

async function post(path: string, body: string) {
  const response = await fetch(`${fake.url}${path}`, { method: "POST", body });
  return { status: response.status, type: response.headers.get("content-type"), text: await response.text() };
}

describe("request errors", () => {
  it("makes the client throw Ollama's message for an unknown model", async () => {
    const failure = ollama.chat({ model: "mistral", messages });
    await expect(failure).rejects.toMatchObject({
      name: "ResponseError",
      status_code: 404,
      message: 'model "mistral" not found, try pulling it first',
    });
    expect(fake.counts.chat).toBe(1);
  });

  it("answers a missing model with 400 model is required", async () => {
    expect(await post("/api/chat", JSON.stringify({ messages }))).toMatchObject({
      status: 400,
      text: '{"error":"model is required"}',
    });
  });

  it("answers bad JSON, missing bodies and wrong field types with 400 and an error field", async () => {
    for (const body of ['{"model":', "", "[1, 2]", '{"model": 7}', '{"model":"llama3.2","messages":"hi"}']) {
      const response = await post("/api/chat", body);
      expect(response.status).toBe(400);
      expect(response.type).toBe("application/json; charset=utf-8");
      expect(JSON.parse(response.text)).toEqual({ error: expect.any(String) });
    }
    expect(JSON.parse((await post("/api/chat", "")).text).error).toBe("missing request body");
  });

  it("answers unknown routes with 404 and wrong methods with 405, as plain text", async () => {
    expect(await post("/api/nothing", "{}")).toMatchObject({ status: 404, text: "404 page not found" });
    const wrongMethod = await fetch(`${fake.url}/api/chat`);
    expect(wrongMethod.status).toBe(405);
    expect(await wrongMethod.text()).toBe("405 method not allowed");
  });

  it("refuses think on a model without the thinking capability", async () => {
    await expect(ollama.chat({ model: "llama3.2", messages, think: true })).rejects.toMatchObject({
      status_code: 400,
      message: '"llama3.2" does not support thinking',
    });
  });

  it("refuses chat on an embedding-only model and tools on a model without them", async () => {
    await expect(ollama.chat({ model: "nomic-embed-text", messages })).rejects.toThrow('"nomic-embed-text" does not support chat');
    fake.setModels([{ name: "gemma", capabilities: ["completion"] }]);
    const tools = [{ type: "function", function: { name: "lookup" } }];
    await expect(ollama.chat({ model: "gemma", messages, tools })).rejects.toThrow(
      "registry.ollama.ai/library/gemma:latest does not support tools",
    );
    fake.setModels([{ name: "llama3.2", capabilities: ["completion", "tools"] }]);
  });

  it("passes a scripted HTTP error through to the client", async () => {
    fake.queueScript({ failure: { kind: "http-error", status: 503, message: "server busy" } });
    await expect(ollama.chat({ model: "llama3.2", messages, stream: true })).rejects.toMatchObject({
      status_code: 503,
      message: "server busy",
    });
    // The script was used up: the next call succeeds.
    expect((await ollama.chat({ model: "llama3.2", messages })).done).toBe(true);
  });
});

describe("mid-stream failures", () => {
  it("makes the client throw on an error line after the partial tokens", async () => {
    fake.queueScript({ text: "one two three four", failure: { kind: "error-line", afterTokens: 2, message: "runner crashed" } });
    const stream = await ollama.chat({ model: "llama3.2", messages, stream: true });
    const received: string[] = [];
    await expect(async () => {
      for await (const chunk of stream) received.push(chunk.message.content);
    }).rejects.toThrow("runner crashed");
    expect(received).toEqual(["one", " two"]);
    expect(fake.requests[0]).toMatchObject({ outcome: "error-line", evalCount: 2, status: 200 });
  });

  it("turns an error line into a 500 when the client did not stream", async () => {
    fake.queueScript({ failure: { kind: "error-line", afterTokens: 3, message: "out of memory" } });
    await expect(ollama.chat({ model: "llama3.2", messages })).rejects.toMatchObject({ status_code: 500, message: "out of memory" });
  });

  it("makes the client throw when the socket is reset mid-stream", async () => {
    fake.queueScript({ text: "one two three four", failure: { kind: "reset", afterTokens: 2 } });
    const stream = await ollama.chat({ model: "llama3.2", messages, stream: true });
    await expect(async () => {
      for await (const chunk of stream) expect(chunk.done).toBe(false);
    }).rejects.toThrow();
    expect(fake.requests[0]?.outcome).toBe("reset");
    await vi.waitFor(() => expect(fake.activeStreams()).toBe(0));
  });

  it("ends a hanging stream when the iterator is aborted, leaving nothing active", async () => {
    fake.queueScript({ text: "one two three", failure: { kind: "hang", afterTokens: 2 } });
    const stream = await ollama.chat({ model: "llama3.2", messages, stream: true });
    const received: string[] = [];
    const reading = (async () => {
      for await (const chunk of stream) {
        received.push(chunk.message.content);
        if (received.length === 2) setTimeout(() => stream.abort(), 20);
      }
    })();
    await expect(reading).rejects.toMatchObject({ name: "AbortError" });
    expect(received).toEqual(["one", " two"]);
    await vi.waitFor(() => expect(fake.activeStreams()).toBe(0));
    expect(fake.requests[0]?.outcome).toBe("hang");
  });

  it("counts a hanging stream as active until the client leaves", async () => {
    fake.queueScript({ failure: { kind: "hang", afterTokens: 1 } });
    const stream = await ollama.chat({ model: "llama3.2", messages, stream: true });
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    expect(fake.activeStreams()).toBe(1);
    stream.abort();
    await expect(iterator.next()).rejects.toMatchObject({ name: "AbortError" });
    await vi.waitFor(() => expect(fake.activeStreams()).toBe(0));
  });

  it("records a client that leaves mid-stream as aborted and stops its timers", async () => {
    fake.queueScript({ tokensPerSecond: 100 });
    const stream = await ollama.chat({ model: "llama3.2", messages, stream: true });
    // Breaking out of the loop alone does not cancel the fetch in ollama-js: abort the iterator.
    await expect(async () => {
      for await (const chunk of stream) {
        if (chunk.message.content) stream.abort();
      }
    }).rejects.toMatchObject({ name: "AbortError" });
    await vi.waitFor(() => expect(fake.activeStreams()).toBe(0));
    expect(fake.requests[0]).toMatchObject({ outcome: "aborted" });
    expect(fake.requests[0]?.evalCount).toBeLessThan(24);
  });

  it("closes promptly with hanging connections open", async () => {
    const doomed = await startFakeOllama();
    doomed.queueScript({ failure: { kind: "hang", afterTokens: 0 } });
    const pending = fetch(`${doomed.url}/api/chat`, { method: "POST", body: JSON.stringify({ model: "llama3.2", messages }) });
    await vi.waitFor(() => expect(doomed.activeStreams()).toBe(1));
    const started = performance.now();
    await doomed.close();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(doomed.activeStreams()).toBe(0);
    await expect(pending).rejects.toThrow();
  });
});
