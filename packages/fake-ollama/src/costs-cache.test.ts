import { Ollama, type ChatResponse, type Message } from "ollama";
import { afterEach, describe, expect, it } from "vitest";
import { templatedPromptTokens } from "./prompt-budget.ts";
import { startFakeOllama } from "./server.ts";
import { countTokens } from "./tokenizer.ts";
import type { FakeCostOptions, FakeOllama, FakeOllamaOptions } from "./types.ts";

const servers: FakeOllama[] = [];

async function start(cost: FakeCostOptions | undefined, options: FakeOllamaOptions = {}) {
  const fake = await startFakeOllama({ ...options, cost });
  servers.push(fake);
  return { fake, ollama: new Ollama({ host: fake.url }) };
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const MS = 1e6;
/** prompt_eval_count of an untruncated chat with the default tokenizer. */
const promptTokens = (messages: Message[]) => templatedPromptTokens(messages.map(({ role, content }) => ({ role, content })));
const system = { role: "system", content: "You are a patient librarian who answers in full sentences." };
const conversation = (question: string): Message[] => [system, { role: "user", content: question }];

/** The next turn: the reply as an assistant message, then a new question. */
function nextTurn(messages: Message[], reply: ChatResponse, question: string): Message[] {
  return [...messages, { role: "assistant", content: reply.message.content }, { role: "user", content: question }];
}

async function streamText(stream: AsyncIterable<ChatResponse>): Promise<{ text: string; final: ChatResponse }> {
  let text = "";
  let final: ChatResponse | undefined;
  for await (const chunk of stream) {
    text += chunk.message.content;
    final = chunk;
  }
  return { text, final: final! };
}

describe("token counting with the chat template", () => {
  it("counts the Llama 3 template as tokens: the same prompt_eval_count as without costs", async () => {
    const plain = await start(undefined);
    const costed = await start({ timeScale: 0 });
    const history: Message[] = Array.from({ length: 30 }, (_, index) => ({
      role: index % 2 === 0 ? "user" : "assistant",
      content: `Turn ${index} is about the orchard, the bridge and a letter that never arrived.`,
    }));
    for (const [messages, numCtx] of [[conversation("Hello, who are you?"), 4096], [[system, ...history], 256], [history, 16]] as const) {
      const expected = await plain.ollama.chat({ model: "llama3.2", messages: [...messages], options: { num_ctx: numCtx } });
      const actual = await costed.ollama.chat({ model: "llama3.2", messages: [...messages], options: { num_ctx: numCtx } });
      expect(actual.prompt_eval_count).toBe(expected.prompt_eval_count);
    }
    expect(costed.fake.requests.map((request) => request.truncated)).toEqual([false, true, true]);
    expect(costed.fake.requests[2]?.promptEvalCount).toBe(16);
  });

  it("uses a pluggable tokenizer; special tokens are counted once each", async () => {
    const { ollama } = await start({ timeScale: 0, tokenize: (text) => [...text].map((character) => character.charCodeAt(0)) });
    const reply = await ollama.chat({ model: "llama3.2", messages: [{ role: "user", content: "abcdefghij" }] });
    // <|begin_of_text|>, then <|start_header_id|> user <|end_header_id|> \n\n abcdefghij <|eot_id|>,
    // then <|start_header_id|> assistant <|end_header_id|> \n\n.
    expect(reply.prompt_eval_count).toBe(1 + (1 + 4 + 1 + 2 + 10 + 1) + (1 + 9 + 1 + 2));
  });

  it("a user message cannot fake a special token", async () => {
    const { fake, ollama } = await start({ timeScale: 0 });
    await ollama.chat({ model: "llama3.2", messages: [{ role: "user", content: "<|eot_id|><|start_header_id|>" }] });
    await ollama.chat({ model: "llama3.2", messages: [{ role: "user", content: "" }] });
    // The texts share nothing after the user header with the special tokens they spell.
    expect(fake.requests[1]?.cost?.cachedTokens).toBe(4);
  });
});

describe("the prompt cache (runner/ollamarunner/cache.go)", () => {
  it("prefills only the tokens after the cached prefix, and reuses the reply in the next turn", async () => {
    const { fake, ollama } = await start({ timeScale: 0, prefillTokensPerSecond: 100 });
    const first = conversation("Which book should I read first?");
    const reply = await ollama.chat({ model: "llama3.2", messages: first });
    const firstTokens = promptTokens(first);
    expect(fake.requests[0]?.cost).toMatchObject({ promptTokens: firstTokens, cachedTokens: 0, prefilledTokens: firstTokens });

    const second = nextTurn(first, reply, "And after that?");
    const next = await ollama.chat({ model: "llama3.2", messages: second });
    // The slot held the first prompt and every generated token (the reply ended on EOS).
    const cached = firstTokens + countTokens(reply.message.content);
    const secondTokens = promptTokens(second);
    expect(fake.requests[1]?.cost).toMatchObject({ promptTokens: secondTokens, cachedTokens: cached, prefilledTokens: secondTokens - cached });
    expect(next.prompt_eval_count).toBe(secondTokens);
    expect(next.prompt_eval_duration).toBe((secondTokens - cached) * 10 * MS);
    expect(fake.costs).toMatchObject({ promptTokens: firstTokens + secondTokens, cachedTokens: cached, prefilledTokens: firstTokens + secondTokens - cached });
  });

  it("re-evaluates one token when the whole prompt is cached", async () => {
    const { fake, ollama } = await start({ timeScale: 0 });
    const messages = conversation("Same question twice");
    await ollama.chat({ model: "llama3.2", messages });
    await ollama.chat({ model: "llama3.2", messages });
    const tokens = promptTokens(messages);
    expect(fake.requests[1]?.cost).toMatchObject({ promptTokens: tokens, cachedTokens: tokens - 1, prefilledTokens: 1 });
  });

  it("does not cache the last token of a reply cut by num_predict (it was sampled, never decoded)", async () => {
    const { fake, ollama } = await start({ timeScale: 0 });
    const first = conversation("Tell me everything");
    const reply = await ollama.chat({ model: "llama3.2", messages: first, options: { num_predict: 5 } });
    expect(reply.done_reason).toBe("length");
    await ollama.chat({ model: "llama3.2", messages: nextTurn(first, reply, "Go on") });
    expect(fake.requests[1]?.cost?.cachedTokens).toBe(promptTokens(first) + countTokens(reply.message.content) - 1);
  });

  it("keeps what was generated before a client left, minus the last token", async () => {
    const { fake, ollama } = await start({ timeScale: 0 });
    fake.queueScript({ text: "one two three four five", failure: { kind: "reset", afterTokens: 3 } });
    const messages = conversation("Stop early");
    const stream = await ollama.chat({ model: "llama3.2", messages, stream: true });
    await expect(streamText(stream)).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fake.loadedRunners()[0]?.slots[0]?.tokens).toBe(promptTokens(messages) + 2);
  });

  it("shifts a full slot instead of growing past num_ctx (ShiftCacheSlot)", async () => {
    const { fake, ollama } = await start({ timeScale: 0 }, { replyTokens: 100 });
    await ollama.chat({ model: "llama3.2", messages: conversation("Long reply please"), options: { num_ctx: 64 } });
    expect(fake.loadedRunners()[0]?.slots[0]?.tokens).toBeLessThanOrEqual(64);
  });

  it("caches /api/generate prompts too", async () => {
    const { fake, ollama } = await start({ timeScale: 0 });
    await ollama.generate({ model: "llama3.2", prompt: "Why is the sky blue?" });
    const again = await ollama.generate({ model: "llama3.2", prompt: "Why is the sky blue?" });
    expect(fake.requests[1]?.cost).toMatchObject({ prefilledTokens: 1, cachedTokens: again.prompt_eval_count - 1 });
    const raw = await ollama.generate({ model: "llama3.2", prompt: "Why is the sky blue?", raw: true });
    expect(raw.prompt_eval_count).toBe(1 + countTokens("Why is the sky blue?"));
  });
});

describe("choosing a slot", () => {
  const alice = conversation("Alice asks about gardens and rivers.");
  const bob = [{ role: "user", content: "Bob asks about mountains." }];

  it("findLongestCacheSlot: sequential conversations share slot 0 (the template header matches) and evict each other", async () => {
    const { fake, ollama } = await start({ numParallel: 2, timeScale: 0 });
    const aliceReply = await ollama.chat({ model: "llama3.2", messages: alice });
    await ollama.chat({ model: "llama3.2", messages: bob });
    await ollama.chat({ model: "llama3.2", messages: nextTurn(alice, aliceReply, "More?") });
    const costs = fake.requests.map((request) => request.cost!);
    expect(costs.map((cost) => cost.slot)).toEqual([0, 0, 0]);
    // <|begin_of_text|><|start_header_id|>…<|end_header_id|>: Alice starts with a system turn, Bob with a user turn.
    expect(costs.map((cost) => cost.cachedTokens)).toEqual([0, 2, 2]);
    expect(fake.loadedRunners()[0]?.slots[1]?.tokens).toBe(0);
  });

  it("findBestCacheSlot (multiUserCache): a new conversation takes the least recently used slot and keeps the others", async () => {
    const { fake, ollama } = await start({ numParallel: 2, multiUserCache: true, timeScale: 0 });
    const aliceReply = await ollama.chat({ model: "llama3.2", messages: alice });
    await ollama.chat({ model: "llama3.2", messages: bob });
    await ollama.chat({ model: "llama3.2", messages: nextTurn(alice, aliceReply, "More?") });
    const costs = fake.requests.map((request) => request.cost!);
    expect(costs.map((cost) => cost.slot)).toEqual([0, 1, 0]);
    // Bob's slot got the shared prefix copied in (a fork); Alice's third turn found her whole slot.
    expect(costs[1]?.cachedTokens).toBe(2);
    expect(costs[2]?.cachedTokens).toBe(promptTokens(alice) + countTokens(aliceReply.message.content));
  });

  it("with several filled slots, takes the free slot with the longest common prefix", async () => {
    const { fake, ollama } = await start({ numParallel: 2, decodeTokensPerSecond: 25, timeScale: 1 }, { replyTokens: 5 });
    // Alice streams; Bob arrives while her slot is busy and takes slot 1.
    const aliceStream = await ollama.chat({ model: "llama3.2", messages: alice, stream: true });
    const iterator = aliceStream[Symbol.asyncIterator]();
    let aliceText = ((await iterator.next()).value as ChatResponse).message.content;
    const bobReply = await ollama.chat({ model: "llama3.2", messages: bob });
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) aliceText += (next.value as ChatResponse).message.content;
    expect(fake.requests.map((request) => request.cost?.slot)).toEqual([0, 1]);

    await ollama.chat({ model: "llama3.2", messages: [...bob, { role: "assistant", content: bobReply.message.content }, { role: "user", content: "And?" }] });
    await ollama.chat({ model: "llama3.2", messages: [...alice, { role: "assistant", content: aliceText }, { role: "user", content: "And?" }] });
    const [bobTurn, aliceTurn] = fake.requests.slice(2).map((request) => request.cost!);
    expect(bobTurn).toMatchObject({ slot: 1, cachedTokens: promptTokens(bob) + countTokens(bobReply.message.content) });
    expect(aliceTurn).toMatchObject({ slot: 0, cachedTokens: promptTokens(alice) + countTokens(aliceText) });
  });
});

describe("prompt_eval_count modes", () => {
  const messages = conversation("Count me");

  async function twice(mode: FakeCostOptions["promptEvalCountMode"]) {
    const { fake, ollama } = await start({ timeScale: 0, promptEvalCountMode: mode });
    const first = await ollama.chat({ model: "llama3.2", messages });
    const response = await fetch(`${fake.url}/api/chat`, { method: "POST", body: JSON.stringify({ model: "llama3.2", messages, stream: false }) });
    const text = await response.text();
    const third = await ollama.chat({ model: "llama3.2", messages: nextTurn(messages, first, "Again") });
    return { fake, first, second: JSON.parse(text) as ChatResponse, secondText: text, third };
  }

  it("whole: always the whole templated prompt (current Ollama)", async () => {
    const { first, second, third } = await twice("whole");
    expect(first.prompt_eval_count).toBe(promptTokens(messages));
    expect(second.prompt_eval_count).toBe(promptTokens(messages));
    expect(third.prompt_eval_count).toBe(promptTokens(nextTurn(messages, first, "Again")));
  });

  it("prefilled: only the evaluated tokens, at least one (Ollama 0.30.0's llama-server prompt_n)", async () => {
    const { fake, first, second, third } = await twice("prefilled");
    expect(first.prompt_eval_count).toBe(promptTokens(messages));
    expect(second.prompt_eval_count).toBe(1);
    expect(third.prompt_eval_count).toBe(fake.requests[2]?.cost?.prefilledTokens);
    expect(fake.requests[1]?.cost?.reportedPromptEvalCount).toBe(1);
  });

  it("omit-when-cached: the field is left out when the whole prompt was cached (Ollama up to 0.1.48)", async () => {
    const { fake, first, second, secondText, third } = await twice("omit-when-cached");
    expect(first.prompt_eval_count).toBe(promptTokens(messages));
    expect(secondText).not.toContain("prompt_eval_count");
    expect(second.prompt_eval_duration).toBeGreaterThan(0);
    expect(fake.requests[1]?.cost).toMatchObject({ reportedPromptEvalCount: undefined, prefilledTokens: 1 });
    // The slot ended inside the new prompt: server.cpp gave the last cached token back.
    expect(third.prompt_eval_count).toBe((fake.requests[2]?.cost?.prefilledTokens ?? 0) + 1);
  });
});

describe("simulated time", () => {
  const laptop: FakeCostOptions = { loadMs: 3000, prefillTokensPerSecond: 100, decodeTokensPerSecond: 10 };
  const messages = conversation("How long will this take?");

  it("timeScale 0: reports the simulated durations without sleeping", async () => {
    const { fake, ollama } = await start({ ...laptop, timeScale: 0 }, { replyTokens: 24 });
    const started = performance.now();
    const reply = await ollama.chat({ model: "llama3.2", messages });
    expect(performance.now() - started).toBeLessThan(1000);
    const prompt = promptTokens(messages);
    expect(reply).toMatchObject({
      load_duration: 3000 * MS,
      prompt_eval_count: prompt,
      prompt_eval_duration: prompt * 10 * MS,
      eval_count: 24,
      eval_duration: 2400 * MS,
      total_duration: (3000 + prompt * 10 + 2400) * MS,
    });
    expect(fake.requests[0]?.cost).toMatchObject({
      loaded: true,
      loadMs: 3000,
      queuedMs: 0,
      prefillMs: prompt * 10,
      decodeMs: 2400,
      timeToFirstTokenMs: 3000 + prompt * 10 + 100,
      totalMs: 3000 + prompt * 10 + 2400,
      slot: 0,
    });
    expect(fake.simulatedNow()).toBe(3000 + prompt * 10 + 2400);
  });

  it("timeScale 0.01: the same simulated durations, slept at a hundredth", async () => {
    const { fake, ollama } = await start({ ...laptop, timeScale: 0.01 }, { replyTokens: 24, recordTokenTimes: true });
    const prompt = promptTokens(messages);
    const started = performance.now();
    const { final } = await streamText(await ollama.chat({ model: "llama3.2", messages, stream: true }));
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual((3000 + prompt * 10 + 2400) * 0.01 * 0.9);
    expect(final).toMatchObject({ load_duration: 3000 * MS, prompt_eval_duration: prompt * 10 * MS, eval_duration: 2400 * MS });
    const times = fake.requests[0]?.tokenTimes ?? [];
    // Tokens 100 ms apart in simulated time: 1 ms apart in real time.
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(23 * 0.9);
  });

  it("timeScale 0, sequential requests: no waits, and the clock adds up their totals", async () => {
    const { fake, ollama } = await start({ ...laptop, timeScale: 0 }, { replyTokens: 5 });
    for (const question of ["one", "two", "three"]) await ollama.chat({ model: "llama3.2", messages: conversation(question) });
    const costs = fake.requests.map((request) => request.cost!);
    expect(costs.every((cost) => cost.queuedMs === 0)).toBe(true);
    expect(fake.costs.queueWaits).toBe(0);
    expect(fake.simulatedNow()).toBeCloseTo(costs.reduce((sum, cost) => sum + cost.totalMs, 0), 6);
    for (let index = 1; index < costs.length; index++) expect(costs[index]!.arrivedAt).toBe(costs[index - 1]!.finishedAt);
  });

  it("counts a scripted firstTokenLatencyMs and tokensPerSecond as simulated time", async () => {
    const { fake, ollama } = await start({ timeScale: 0, decodeTokensPerSecond: 10 });
    fake.queueScript({ text: "a b c d", firstTokenLatencyMs: 500, tokensPerSecond: 4 });
    const reply = await ollama.chat({ model: "llama3.2", messages });
    expect(reply.eval_duration).toBe(1000 * MS);
    expect(reply.prompt_eval_duration).toBe(500 * MS);
  });
});

describe("counters", () => {
  it("totals and records, reset by reset()", async () => {
    const { fake, ollama } = await start({ loadMs: 10, timeScale: 0 }, { replyTokens: 4 });
    await ollama.chat({ model: "llama3.2", messages: conversation("one") });
    await ollama.chat({ model: "llama3.2", messages: conversation("one") });
    await ollama.chat({ model: "llama3.2", messages: conversation("one"), options: { num_ctx: 1024 } });
    expect(fake.costs).toMatchObject({ requests: 3, loads: 2, reloads: 1, evalTokens: 12, loadMs: 20, rejected: 0, queueWaits: 0 });
    expect(fake.costs.records).toHaveLength(3);
    expect(fake.costs.records[1]).toBe(fake.requests[1]?.cost);
    expect(fake.costs.cachedTokens).toBe(fake.costs.records[1]?.cachedTokens);

    fake.reset();
    expect(fake.costs).toMatchObject({ requests: 0, loads: 0, reloads: 0, evalTokens: 0, records: [] });
    expect(fake.loadedRunners()).toEqual([]);
    expect(fake.simulatedNow()).toBe(0);
    const reply = await ollama.chat({ model: "llama3.2", messages: conversation("one") });
    expect(reply.load_duration).toBe(10 * MS);
  });

  it("keeps totals but no records when recordRequests is off", async () => {
    const { fake, ollama } = await start({ timeScale: 0 }, { recordRequests: false });
    await ollama.chat({ model: "llama3.2", messages: conversation("one") });
    expect(fake.costs).toMatchObject({ requests: 1, loads: 1, records: [] });
  });

  it("without the cost option: zero costs, no runners, a clock at 0, unlimited parallel streams", async () => {
    const { fake, ollama } = await start(undefined, { tokensPerSecond: 100, replyTokens: 5 });
    fake.advanceClock(1000);
    await Promise.all(["a", "b", "c"].map((word) => ollama.chat({ model: "llama3.2", messages: conversation(word) })));
    expect(fake.costs).toMatchObject({ requests: 0, loads: 0, records: [] });
    expect(fake.loadedRunners()).toEqual([]);
    expect(fake.simulatedNow()).toBe(0);
    expect(fake.requests.every((request) => request.cost === undefined)).toBe(true);
  });
});
