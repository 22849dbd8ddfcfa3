import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { startFakeOllama, type FakeOllama } from "@recall/fake-ollama";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { LlmAbortedError, LlmError } from "./errors.ts";
import { createOllamaClient, type LlmChunk } from "./ollama-client.ts";

let fake: FakeOllama;
beforeAll(async () => {
  fake = await startFakeOllama();
});
afterAll(async () => {
  await fake?.close();
});
beforeEach(() => fake.reset());

async function collect(stream: AsyncGenerator<LlmChunk>): Promise<{ text: string; done: LlmChunk | undefined }> {
  let text = "";
  let done: LlmChunk | undefined;
  for await (const chunk of stream) {
    if (chunk.type === "delta") text += chunk.text;
    else done = chunk;
  }
  return { text, done };
}

function request(overrides: Partial<Parameters<ReturnType<typeof createOllamaClient>["streamChat"]>[0]> = {}) {
  return { model: "llama3.2", messages: [{ role: "user" as const, content: "hello" }], signal: new AbortController().signal, ...overrides };
}

describe("createOllamaClient", () => {
  it("streams deltas and a done chunk with Ollama's counts, sending num_ctx", async () => {
    fake.queueScript({ tokens: [" one", " two", " three"] });
    const client = createOllamaClient({ host: fake.url });
    const { text, done } = await collect(client.streamChat(request({ numCtx: 2048 })));
    expect(text).toBe(" one two three");
    expect(done).toMatchObject({ type: "done", doneReason: "stop", completionTokens: 3 });
    expect((done as { promptTokens: number }).promptTokens).toBeGreaterThan(0);
    const chat = fake.requests.find((entry) => entry.path === "/api/chat");
    expect((chat?.body as { options?: { num_ctx?: number } }).options?.num_ctx).toBe(2048);
  });

  it("maps an unknown model to MODEL_NOT_FOUND with the command to fix it", async () => {
    const client = createOllamaClient({ host: fake.url });
    const error = await collect(client.streamChat(request({ model: "mistral" }))).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LlmError);
    expect(error).toMatchObject({ code: "MODEL_NOT_FOUND" });
    expect((error as Error).message).toContain("ollama pull mistral");
  });

  it("maps an error line mid-stream to MODEL_ERROR and a reset to STREAM_BROKEN", async () => {
    const client = createOllamaClient({ host: fake.url });
    fake.queueScript({ tokens: [" a", " b", " c"], failure: { kind: "error-line", afterTokens: 1, message: "out of memory" } });
    await expect(collect(client.streamChat(request()))).rejects.toMatchObject({ code: "MODEL_ERROR", message: expect.stringContaining("out of memory") });
    fake.queueScript({ tokens: [" a", " b", " c"], failure: { kind: "reset", afterTokens: 1 } });
    await expect(collect(client.streamChat(request()))).rejects.toMatchObject({ code: "STREAM_BROKEN" });
  });

  it("retries once when the connection dies before any response, and only once", async () => {
    const client = createOllamaClient({ host: fake.url });
    fake.queueScript({ tokens: [" lost"], failure: { kind: "reset", afterTokens: 0 } });
    fake.queueScript({ tokens: [" second", " try"] });
    expect((await collect(client.streamChat(request()))).text).toBe(" second try");
    expect(fake.counts.chat).toBe(2);

    fake.reset();
    fake.queueScript({ tokens: [" lost"], failure: { kind: "reset", afterTokens: 0 } });
    fake.queueScript({ tokens: [" lost"], failure: { kind: "reset", afterTokens: 0 } });
    await expect(collect(client.streamChat(request()))).rejects.toMatchObject({ code: "STREAM_BROKEN" });
    expect(fake.counts.chat).toBe(2);
  });

  it("reports an unreachable Ollama as OLLAMA_UNREACHABLE, never naming its password", async () => {
    const guarded = createOllamaClient({ host: "http://recall:hunter2@127.0.0.1:9" });
    const refused = await collect(guarded.streamChat(request())).catch((caught: unknown) => caught);
    expect(refused).toMatchObject({ code: "OLLAMA_UNREACHABLE" });
    expect((refused as Error).message).toContain("http://127.0.0.1:9");
    expect((refused as Error).message).not.toContain("hunter2");
    const client = createOllamaClient({ host: "http://127.0.0.1:9" });
    await expect(collect(client.streamChat(request()))).rejects.toMatchObject({ code: "OLLAMA_UNREACHABLE" });
    await expect(client.listModels()).rejects.toMatchObject({ code: "OLLAMA_UNREACHABLE" });
  });

  it("stops one stream on its signal without touching another", async () => {
    const client = createOllamaClient({ host: fake.url });
    fake.queueScript({ tokens: Array.from({ length: 100 }, (_, index) => ` s${index}`), tokensPerSecond: 100 });
    fake.queueScript({ tokens: Array.from({ length: 10 }, (_, index) => ` k${index}`), tokensPerSecond: 100 });
    const controller = new AbortController();
    const stopped = collect(client.streamChat(request({ signal: controller.signal })));
    const kept = collect(client.streamChat(request()));
    setTimeout(() => controller.abort(), 50);
    await expect(stopped).rejects.toBeInstanceOf(LlmAbortedError);
    expect((await kept).text).toBe(Array.from({ length: 10 }, (_, index) => ` k${index}`).join(""));
    await expect.poll(() => fake.activeStreams()).toBe(0);
  });

  it("can stop a model that hangs before its first token, and times out an idle one", async () => {
    const client = createOllamaClient({ host: fake.url, idleTimeoutMs: 200 });
    fake.queueScript({ tokens: [" a"], failure: { kind: "hang", afterTokens: 0 } });
    const controller = new AbortController();
    const hanging = collect(client.streamChat(request({ signal: controller.signal })));
    setTimeout(() => controller.abort(), 50);
    await expect(hanging).rejects.toBeInstanceOf(LlmAbortedError);

    fake.queueScript({ tokens: [" a", " b"], failure: { kind: "hang", afterTokens: 1 } });
    await expect(collect(client.streamChat(request()))).rejects.toMatchObject({ code: "MODEL_TIMEOUT" });
  });

  it("completes a whole reply without streaming, with num_predict and a JSON schema", async () => {
    const client = createOllamaClient({ host: fake.url });
    fake.queueScript({ text: "A short summary." });
    const result = await client.completeChat({ model: "llama3.2", messages: [{ role: "user", content: "Summarize." }], maxTokens: 100, numCtx: 1024 });
    expect(result).toMatchObject({ text: "A short summary.", doneReason: "stop" });
    const body = fake.requests.at(-1)?.body as { stream: boolean; options: { num_predict: number; num_ctx: number } };
    expect(body.stream).toBe(false);
    expect(body.options).toMatchObject({ num_predict: 100, num_ctx: 1024 });

    const schema = { type: "object", properties: { name: { type: "string" } }, required: ["name"] };
    const structured = await client.completeChat({ model: "llama3.2", messages: [{ role: "user", content: "Who am I?" }], format: schema });
    expect(typeof (JSON.parse(structured.text) as { name: unknown }).name).toBe("string");
    await expect(client.completeChat({ model: "nope", messages: [{ role: "user", content: "x" }] })).rejects.toMatchObject({ code: "MODEL_NOT_FOUND" });
  });

  it("lists the loaded models with the context each was loaded with, and maps an unreachable Ollama", async () => {
    const client = createOllamaClient({ host: fake.url });
    expect(await client.loadedModels()).toEqual([]);
    await client.completeChat({ model: "llama3.2", messages: [{ role: "user", content: "Hi." }], numCtx: 3072 });
    const loaded = await client.loadedModels();
    expect(loaded).toHaveLength(1);
    expect(loaded[0]).toMatchObject({ name: "llama3.2:latest", contextLength: 3072 });
    expect(typeof loaded[0]?.expiresAt).toBe("string");
    await expect(createOllamaClient({ host: "http://127.0.0.1:9" }).loadedModels()).rejects.toMatchObject({ code: "OLLAMA_UNREACHABLE" });
    const stopped = new AbortController();
    stopped.abort();
    await expect(client.loadedModels(stopped.signal)).rejects.toBeInstanceOf(LlmAbortedError);
  });

  it("embeds texts in order, and reports an unknown embedding model", async () => {
    const client = createOllamaClient({ host: fake.url });
    const [first, second, again] = await client.embed("nomic-embed-text", ["cats purr", "tax forms", "cats purr"]);
    expect(first?.length).toBeGreaterThan(0);
    expect(again).toEqual(first);
    expect(second).not.toEqual(first);
    expect(await client.embed("nomic-embed-text", [])).toEqual([]);
    await expect(client.embed("no-such-embedder", ["x"])).rejects.toBeInstanceOf(LlmError);
  });

  it("lists models and reads the context length from /api/show", async () => {
    const client = createOllamaClient({ host: fake.url });
    const models = await client.listModels();
    expect(models.map((model) => model.name)).toContain("llama3.2:latest");
    const details = await client.showModel("llama3.2");
    expect(details.contextLength).toBe(131072);
    await expect(client.showModel("nope")).rejects.toBeInstanceOf(LlmError);
  });

  it("keeps one connection for replies streamed one after another", async () => {
    // A bare server that counts connections: Ollama's reply, one line per token.
    const connections: string[] = [];
    const server = createServer((_request, response) => {
      response.writeHead(200, { "content-type": "application/x-ndjson" });
      response.write(`${JSON.stringify({ message: { role: "assistant", content: " hi" }, done: false })}\n`);
      // As Ollama may: the done line, then the end of the response a moment later.
      response.write(`${JSON.stringify({ message: { role: "assistant", content: "" }, done: true, done_reason: "stop", eval_count: 1 })}\n`);
      setTimeout(() => response.end(), 30);
    });
    server.on("connection", (socket) => connections.push(`${socket.remotePort}`));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const client = createOllamaClient({ host: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
      for (let reply = 0; reply < 3; reply += 1) expect((await collect(client.streamChat(request()))).text).toBe(" hi");
      expect(connections).toHaveLength(1);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
