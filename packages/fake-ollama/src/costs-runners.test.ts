import { Ollama, type ChatResponse } from "ollama";
import { afterEach, describe, expect, it } from "vitest";
import { SERVER_BUSY_MESSAGE } from "./scheduler.ts";
import { startFakeOllama } from "./server.ts";
import type { FakeCostOptions, FakeModel, FakeOllama, FakeOllamaOptions } from "./types.ts";

let fake: FakeOllama | undefined;

async function start(cost: FakeCostOptions, options: FakeOllamaOptions = {}) {
  fake = await startFakeOllama({ ...options, cost });
  return { fake, ollama: new Ollama({ host: fake.url }) };
}

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const ask = (content: string) => [{ role: "user", content }];
const MS = 1e6;

async function psModels(ollama: Ollama) {
  const { models } = await ollama.ps();
  return models.map((model) => ({ name: model.name, context_length: (model as unknown as { context_length: number }).context_length }));
}

describe("runners and reloads (server/sched.go needsReload)", () => {
  it("loads once, then reuses the runner while the runner options stay the same", async () => {
    const { fake, ollama } = await start({ loadMs: 1500, timeScale: 0 });
    const first = await ollama.chat({ model: "llama3.2", messages: ask("Hello there") });
    const second = await ollama.chat({ model: "llama3.2", messages: ask("Hello there") });
    expect(first.load_duration).toBe(1500 * MS);
    expect(second.load_duration).toBeLessThan(MS);
    expect(fake.requests.map((request) => request.cost?.loaded)).toEqual([true, false]);
    expect(fake.costs).toMatchObject({ requests: 2, loads: 1, reloads: 0, loadMs: 1500 });
  });

  it("does not reload for sampling options: temperature, num_predict, seed, stop, top_k", async () => {
    const { fake, ollama } = await start({ loadMs: 100, timeScale: 0 });
    await ollama.chat({ model: "llama3.2", messages: ask("One") });
    await ollama.chat({ model: "llama3.2", messages: ask("Two"), options: { temperature: 0.1, num_predict: 3, seed: 7, stop: ["x"], top_k: 5 } });
    await ollama.chat({ model: "llama3.2", messages: ask("Three"), options: { num_ctx: 4096, num_gpu: -1 } });
    expect(fake.costs).toMatchObject({ loads: 1, reloads: 0 });
  });

  it("reloads when num_ctx differs: a new runner whose slots start empty", async () => {
    const { fake, ollama } = await start({ loadMs: 100, timeScale: 0 });
    const messages = ask("Tell me about the harbor");
    await ollama.chat({ model: "llama3.2", messages });
    const same = await ollama.chat({ model: "llama3.2", messages });
    const reloaded = await ollama.chat({ model: "llama3.2", messages, options: { num_ctx: 2048 } });
    expect(fake.requests.map((request) => request.cost?.reloaded)).toEqual([false, false, true]);
    expect(fake.requests[1]?.cost?.cachedTokens).toBe(same.prompt_eval_count - 1);
    // The KV cache went with the old runner: everything is prefilled again.
    expect(fake.requests[2]?.cost).toMatchObject({ cachedTokens: 0, prefilledTokens: reloaded.prompt_eval_count, loadMs: 100 });
    expect(fake.costs).toMatchObject({ loads: 2, reloads: 1 });
    expect(await psModels(ollama)).toEqual([{ name: "llama3.2:latest", context_length: 2048 }]);
  });

  it("reloads for the other runner options (num_batch, num_thread, use_mmap, num_gpu) and for shift: false", async () => {
    const { fake, ollama } = await start({ timeScale: 0 });
    const messages = ask("Hi");
    await ollama.chat({ model: "llama3.2", messages });
    await ollama.chat({ model: "llama3.2", messages, options: { num_batch: 256 } });
    await ollama.chat({ model: "llama3.2", messages, options: { num_batch: 256, num_thread: 4 } });
    await ollama.chat({ model: "llama3.2", messages, options: { num_batch: 256, num_thread: 4, use_mmap: false } });
    await ollama.chat({ model: "llama3.2", messages, options: { num_batch: 256, num_thread: 4, use_mmap: false, num_gpu: 0 } });
    const response = await fetch(`${fake.url}/api/chat`, {
      method: "POST",
      body: JSON.stringify({ model: "llama3.2", messages, stream: false, shift: false, options: { num_batch: 256, num_thread: 4, use_mmap: false, num_gpu: 0 } }),
    });
    expect(response.status).toBe(200);
    expect(fake.costs).toMatchObject({ loads: 6, reloads: 5 });
    expect(fake.loadedRunners()[0]?.options).toMatchObject({ num_batch: 256, num_thread: 4, use_mmap: false, num_gpu: 0, context_shift: false });
  });

  it("caps num_ctx at the trained context before comparing, and reports num_ctx per slot in /api/ps", async () => {
    const { fake, ollama } = await start({ numParallel: 4, timeScale: 0 }, { models: [{ name: "tiny", contextLength: 1024, capabilities: ["completion"] }] });
    await ollama.chat({ model: "tiny", messages: ask("Hi"), options: { num_ctx: 4096 } });
    await ollama.chat({ model: "tiny", messages: ask("Hi"), options: { num_ctx: 8192 } });
    expect(fake.costs.loads).toBe(1);
    // The KV cache holds num_ctx * numParallel tokens; ps reports the per-slot context.
    expect(await psModels(ollama)).toEqual([{ name: "tiny:latest", context_length: 1024 }]);
    expect(fake.loadedRunners()[0]).toMatchObject({ numCtx: 1024, numParallel: 4 });
  });
});

describe("keep_alive", () => {
  it("unloads an idle runner when keep_alive runs out on the simulated clock", async () => {
    const { fake, ollama } = await start({ loadMs: 200, timeScale: 0 });
    await ollama.chat({ model: "llama3.2", messages: ask("One"), keep_alive: "1m" });
    fake.advanceClock(59_000);
    await ollama.chat({ model: "llama3.2", messages: ask("Two"), keep_alive: "1m" });
    expect(fake.costs).toMatchObject({ loads: 1, expirations: 0 });
    fake.advanceClock(60_001);
    expect(await ollama.ps()).toMatchObject({ models: [] });
    const third = await ollama.chat({ model: "llama3.2", messages: ask("Three") });
    expect(third.load_duration).toBe(200 * MS);
    expect(fake.costs).toMatchObject({ loads: 2, expirations: 1, reloads: 0 });
  });

  it("defaults to OLLAMA_KEEP_ALIVE (keepAlive, 5m) and keeps a runner's keep_alive when a request sends none", async () => {
    const { fake, ollama } = await start({ timeScale: 0, keepAlive: "10m" });
    await ollama.chat({ model: "llama3.2", messages: ask("One") });
    fake.advanceClock(9 * 60_000);
    await ollama.chat({ model: "llama3.2", messages: ask("Two"), keep_alive: -1 });
    await ollama.chat({ model: "llama3.2", messages: ask("Three") });
    fake.advanceClock(24 * 3_600_000);
    expect(fake.loadedRunners()).toHaveLength(1);
    expect(fake.loadedRunners()[0]?.expiresAt).toBe(Infinity);
    await ollama.chat({ model: "llama3.2", messages: ask("Four"), keep_alive: "1s" });
    fake.advanceClock(1_001);
    expect(fake.loadedRunners()).toEqual([]);
    expect(fake.costs).toMatchObject({ loads: 1, expirations: 1 });
  });

  it("unloads after the reply with keep_alive 0, and at once for an empty request with keep_alive 0", async () => {
    const { fake, ollama } = await start({ timeScale: 0 });
    await ollama.chat({ model: "llama3.2", messages: ask("One"), keep_alive: 0 });
    expect(await ollama.ps()).toMatchObject({ models: [] });
    const loaded = await ollama.chat({ model: "llama3.2", messages: [] });
    expect(loaded.done_reason).toBe("load");
    expect(fake.loadedRunners()).toHaveLength(1);
    const unloaded = await ollama.chat({ model: "llama3.2", messages: [], keep_alive: 0 });
    expect(unloaded.done_reason).toBe("unload");
    expect(fake.loadedRunners()).toEqual([]);
    expect(fake.costs).toMatchObject({ loads: 2, expirations: 2 });
  });

  it("expires in real time with timeScale 1", async () => {
    const { fake, ollama } = await start({ timeScale: 1 });
    await ollama.chat({ model: "llama3.2", messages: ask("One"), keep_alive: "300ms" });
    expect(fake.loadedRunners()).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(fake.loadedRunners()).toEqual([]);
  });
});

describe("maxLoadedModels (OLLAMA_MAX_LOADED_MODELS)", () => {
  const models: FakeModel[] = ["alpha", "beta", "gamma"].map((name) => ({ name, capabilities: ["completion"] }));

  it("evicts an idle runner: the one with the shortest keep_alive, not the least recently used", async () => {
    const { fake, ollama } = await start({ maxLoadedModels: 2, timeScale: 0 }, { models });
    await ollama.chat({ model: "alpha", messages: ask("a"), keep_alive: "1m" });
    await ollama.chat({ model: "beta", messages: ask("b"), keep_alive: "10m" });
    await ollama.chat({ model: "alpha", messages: ask("a again"), keep_alive: "1m" });
    await ollama.chat({ model: "gamma", messages: ask("c") });
    expect((await psModels(ollama)).map((model) => model.name).sort()).toEqual(["beta:latest", "gamma:latest"]);
    expect(fake.costs).toMatchObject({ loads: 3, evictions: 1, reloads: 0 });
  });

  it("breaks keep_alive ties by model path (a blob digest), as ByDurationAndName does", async () => {
    const { fake, ollama } = await start({ maxLoadedModels: 2, timeScale: 0 }, { models });
    await ollama.chat({ model: "alpha", messages: ask("a") });
    await ollama.chat({ model: "beta", messages: ask("b") });
    const { models: listed } = await ollama.list();
    const digestOf = (name: string) => listed.find((model) => model.name === name)?.digest ?? "";
    const evicted = digestOf("alpha:latest") < digestOf("beta:latest") ? "alpha:latest" : "beta:latest";
    await ollama.chat({ model: "gamma", messages: ask("c") });
    const loaded = fake.loadedRunners().map((runner) => runner.model);
    expect(loaded).not.toContain(evicted);
    expect(loaded).toContain("gamma:latest");
  });

  it("defaults to 3 loaded models", async () => {
    const four = [...models, { name: "delta", capabilities: ["completion"] }];
    const { fake, ollama } = await start({ timeScale: 0 }, { models: four });
    for (const model of four) await ollama.chat({ model: model.name, messages: ask("hi") });
    expect(fake.loadedRunners()).toHaveLength(3);
    expect(fake.costs.evictions).toBe(1);
  });

  it("waits for a busy runner to finish before evicting it", async () => {
    const { fake, ollama } = await start({ maxLoadedModels: 1, decodeTokensPerSecond: 100, timeScale: 1 }, { models, replyTokens: 20 });
    const alpha = ollama.chat({ model: "alpha", messages: ask("a") });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const beta = await ollama.chat({ model: "beta", messages: ask("b") });
    const first = await alpha;
    expect(first.done).toBe(true);
    const alphaCost = fake.requests[0]?.cost;
    const betaCost = fake.requests[1]?.cost;
    // beta waited in the scheduler until alpha's reply was over (200 ms of decoding, 20 of them before beta came).
    expect(betaCost?.schedulerWaitMs).toBeGreaterThan(60);
    expect(betaCost?.startedAt).toBeGreaterThanOrEqual(alphaCost?.finishedAt ?? Infinity);
    expect(beta.load_duration).toBeGreaterThan(60 * MS);
    expect(fake.costs.evictions).toBe(1);
  });
});

describe("embedding models", () => {
  it("are runners of their own with one slot: loading one does not unload the chat model", async () => {
    const { fake, ollama } = await start({
      numParallel: 4,
      timeScale: 0,
      models: { "nomic-embed-text": { loadMs: 300, prefillTokensPerSecond: 1000 } },
    });
    await ollama.chat({ model: "llama3.2", messages: ask("Hello") });
    const embedded = await ollama.embed({ model: "nomic-embed-text", input: ["one two three", "four"] });
    await ollama.chat({ model: "llama3.2", messages: ask("Hello") });
    expect(fake.costs).toMatchObject({ loads: 2, evictions: 0 });
    expect(fake.loadedRunners().map((runner) => [runner.model, runner.numParallel]).sort()).toEqual([
      ["llama3.2:latest", 4],
      ["nomic-embed-text:latest", 1],
    ]);
    // 3 + 1 tokens plus 2 special tokens each: 8 tokens at 1000/s after a 300 ms load.
    expect(embedded.prompt_eval_count).toBe(8);
    expect(embedded.load_duration).toBe(300 * MS);
    expect(embedded.total_duration).toBe(308 * MS);
    expect(fake.requests[1]?.cost).toMatchObject({ endpoint: "embed", cachedTokens: 0, prefilledTokens: 8, prefillMs: 8 });
  });
});

describe("slots and the queue", () => {
  it("runs one request per slot and queues the rest in order (numParallel 1)", async () => {
    const { fake, ollama } = await start({ decodeTokensPerSecond: 100, timeScale: 1 }, { replyTokens: 5, recordTokenTimes: true });
    await ollama.chat({ model: "llama3.2", messages: ask("warm up") });
    fake.requests.length = 0;
    // Held: the three arrive at the same simulated moment whatever the real jitter.
    const release = fake.holdClock();
    const replies = await Promise.all(["one", "two", "three"].map((word) => ollama.chat({ model: "llama3.2", messages: ask(word) })));
    release();
    expect(replies.every((reply) => reply.done)).toBe(true);
    const costs = fake.requests.map((request) => request.cost!);
    const byStart = [...costs].sort((left, right) => left.startedAt - right.startedAt);
    // Each waits for the ones before it: five tokens at 100/s, 50 ms apiece.
    expect(byStart.map((cost) => Math.round(cost.slotWaitMs))).toEqual([0, 50, 100]);
    for (let index = 1; index < byStart.length; index++) expect(byStart[index]!.startedAt).toBeCloseTo(byStart[index - 1]!.finishedAt, 6);
    // No two streams overlapped in real time either.
    const spans = fake.requests.map((request) => [request.tokenTimes![0]!, request.tokenTimes!.at(-1)!] as const).sort((a, b) => a[0] - b[0]);
    for (let index = 1; index < spans.length; index++) expect(spans[index]![0]).toBeGreaterThanOrEqual(spans[index - 1]![1]);
    expect(fake.costs.queueWaits).toBe(2);
  });

  it("timeScale 0: requests sent together (holdClock) arrive at one simulated moment and queue for the slot", async () => {
    const { fake, ollama } = await start({ loadMs: 1000, prefillTokensPerSecond: 100, decodeTokensPerSecond: 10, timeScale: 0 }, { replyTokens: 5 });
    const release = fake.holdClock();
    await Promise.all(["one", "two", "three"].map((word) => ollama.chat({ model: "llama3.2", messages: ask(word) })));
    release();
    const costs = fake.requests.map((request) => request.cost!);
    expect(costs.map((cost) => cost.arrivedAt)).toEqual([0, 0, 0]);
    // One load; the other two waited for it in the scheduler, then for the slot.
    expect(costs.map((cost) => cost.loaded)).toEqual([true, false, false]);
    expect(costs.map((cost) => cost.schedulerWaitMs)).toEqual([0, 1000, 1000]);
    expect(costs[1]?.slotWaitMs).toBeCloseTo(costs[0]!.finishedAt - 1000, 6);
    expect(costs[2]?.startedAt).toBeCloseTo(costs[1]!.finishedAt, 6);
    expect(fake.costs.queueWaits).toBe(2);
    expect(fake.simulatedNow()).toBeCloseTo(costs[2]!.finishedAt, 6);

    // Released: the next request arrives after the replies it could have seen.
    await ollama.chat({ model: "llama3.2", messages: ask("four") });
    expect(fake.requests[3]?.cost).toMatchObject({ arrivedAt: costs[2]!.finishedAt, queuedMs: 0 });
  });

  it("timeScale 0 without holdClock: requests are answered one by one, each arriving after the last reply", async () => {
    const { fake, ollama } = await start({ decodeTokensPerSecond: 10, timeScale: 0 }, { replyTokens: 5 });
    await ollama.chat({ model: "llama3.2", messages: ask("warm up") });
    await Promise.all(["one", "two"].map((word) => ollama.chat({ model: "llama3.2", messages: ask(word) })));
    const costs = fake.requests.map((request) => request.cost!);
    for (let index = 1; index < costs.length; index++) expect(costs[index]!.startedAt).toBeGreaterThanOrEqual(costs[index - 1]!.finishedAt);
    expect(fake.simulatedNow()).toBeCloseTo(1500, 6);
  });

  it("holds a slot while a stream hangs, and the next request waits for it (timeScale 0)", async () => {
    const { fake, ollama } = await start({ decodeTokensPerSecond: 10, timeScale: 0 });
    fake.queueScript({ text: "one two three", failure: { kind: "hang", afterTokens: 2 } });
    const hanging = await ollama.chat({ model: "llama3.2", messages: ask("hang"), stream: true });
    const iterator = hanging[Symbol.asyncIterator]();
    await iterator.next();
    const waiting = ollama.chat({ model: "llama3.2", messages: ask("next") });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(fake.loadedRunners()[0]).toMatchObject({ refCount: 2, waiting: 1 });
    hanging.abort();
    const reply = await waiting;
    expect(reply.done).toBe(true);
    // The hung request used its slot for two tokens at 10/s: the waiter started 200 ms (simulated) later.
    expect(fake.requests[1]?.cost?.slotWaitMs).toBeCloseTo(200, 6);
    expect(fake.requests[0]?.outcome).toBe("hang");
  });

  it("lets several requests run at once with numParallel", async () => {
    const { fake, ollama } = await start({ numParallel: 3, decodeTokensPerSecond: 100, timeScale: 1 }, { replyTokens: 5 });
    await ollama.chat({ model: "llama3.2", messages: ask("warm up") });
    await Promise.all(["one", "two", "three"].map((word) => ollama.chat({ model: "llama3.2", messages: ask(word) })));
    const slots = fake.requests.slice(1).map((request) => request.cost!);
    expect(new Set(slots.map((cost) => cost.slot)).size).toBe(3);
    expect(slots.every((cost) => cost.slotWaitMs < 20)).toBe(true);
  });

  it("answers 503 with Ollama's message once maxQueue requests wait for a load", async () => {
    const { fake } = await start({ loadMs: 300, maxQueue: 2, timeScale: 1 });
    const send = () =>
      fetch(`${fake.url}/api/chat`, { method: "POST", body: JSON.stringify({ model: "llama3.2", messages: ask("hi"), stream: false }) });
    // The first leaves the queue to load the model; two more fit in the queue; the fourth does not.
    const first = send();
    await new Promise((resolve) => setTimeout(resolve, 30));
    const responses = await Promise.all([first, send(), send(), send()]);
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([200, 200, 200, 503]);
    const rejected = responses.find((response) => response.status === 503)!;
    expect(await rejected.json()).toEqual({ error: SERVER_BUSY_MESSAGE });
    expect(SERVER_BUSY_MESSAGE).toBe("server busy, please try again.  maximum pending requests exceeded");
    expect(fake.costs).toMatchObject({ rejected: 1, requests: 3, loads: 1 });
  });

  it("never answers 503 for a loaded model: the slot wait is unbounded, as Ollama's semaphore", async () => {
    const { fake, ollama } = await start({ maxQueue: 1, decodeTokensPerSecond: 1000, timeScale: 1 }, { replyTokens: 3 });
    await ollama.chat({ model: "llama3.2", messages: ask("warm up") });
    const replies = await Promise.all(Array.from({ length: 6 }, (_, index) => ollama.chat({ model: "llama3.2", messages: ask(`q${index}`) })));
    expect(replies.every((reply) => reply.done)).toBe(true);
    expect(fake.costs.rejected).toBe(0);
  });

  it("forgets a request whose client leaves while it waits for a slot", async () => {
    const { fake, ollama } = await start({ timeScale: 0 });
    fake.queueScript({ text: "one two", failure: { kind: "hang", afterTokens: 1 } });
    const hanging = await ollama.chat({ model: "llama3.2", messages: ask("hang"), stream: true });
    await hanging[Symbol.asyncIterator]().next();
    const controller = new AbortController();
    const leaving = fetch(`${fake.url}/api/chat`, { method: "POST", body: JSON.stringify({ model: "llama3.2", messages: ask("bye") }), signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(fake.loadedRunners()[0]?.waiting).toBe(1);
    controller.abort();
    await expect(leaving).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(fake.loadedRunners()[0]).toMatchObject({ waiting: 0, refCount: 1 });
    expect(fake.requests[1]?.outcome).toBe("aborted");
    hanging.abort();
    const reply: ChatResponse = await ollama.chat({ model: "llama3.2", messages: ask("after") });
    expect(reply.done).toBe(true);
  });
});
