import { Ollama } from "ollama";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeOllama } from "./server.ts";
import type { FakeOllama, FakeOllamaOptions } from "./types.ts";

let fake: FakeOllama | undefined;

async function start(options: FakeOllamaOptions) {
  fake = await startFakeOllama(options);
  return { fake, ollama: new Ollama({ host: fake.url }) };
}

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe("the guard option: answers as Llama Guard 3", () => {
  it("lists the guard model next to the configured ones, as Llama Guard 3 8B", async () => {
    const { ollama } = await start({ guard: true });
    const { models } = await ollama.list();
    expect(models.map((model) => model.name)).toEqual(["llama3.2:latest", "nomic-embed-text:latest", "llama-guard3:latest"]);
    expect(models[2]?.details).toMatchObject({ family: "llama", parameter_size: "8.0B", quantization_level: "Q4_K_M" });
  });

  it("answers 'safe', or 'unsafe' and the category line, by default on an unsafe-S<n> marker", async () => {
    const { ollama } = await start({ guard: true });
    const safe = await ollama.chat({ model: "llama-guard3", messages: [{ role: "user", content: "How do I bake bread?" }] });
    const unsafe = await ollama.chat({ model: "llama-guard3", messages: [{ role: "user", content: "marked unsafe-s2 here" }] });
    const two = await ollama.chat({ model: "llama-guard3:latest", messages: [{ role: "user", content: "unsafe-S1 and UNSAFE S10" }] });
    expect(safe.message.content).toBe("safe");
    expect(unsafe.message.content).toBe("unsafe\nS2");
    expect(two.message.content).toBe("unsafe\nS1,S10");
    expect(unsafe).toMatchObject({ done: true, done_reason: "stop", model: "llama-guard3" });
  });

  it("judges the last message with its role: a reply is judged as the Agent's, with the user's turn as context", async () => {
    const judged: [string, string][] = [];
    const { ollama } = await start({
      guard: { model: "guard:1b", unsafe: (text, role) => (judged.push([role, text]), role === "assistant" ? ["S11"] : null) },
    });
    const reply = await ollama.chat({
      model: "guard:1b",
      messages: [
        { role: "user", content: "question" },
        { role: "assistant", content: "answer" },
      ],
      stream: true,
    });
    let text = "";
    for await (const part of reply) text += part.message.content;
    const question = await ollama.chat({ model: "guard:1b", messages: [{ role: "user", content: "question" }] });
    expect(text).toBe("unsafe\nS11");
    expect(question.message.content).toBe("safe");
    expect(judged).toEqual([["assistant", "answer"], ["user", "question"]]);
  });

  it("counts the prompt as the guard template renders it: the fixed head plus the conversation", async () => {
    const { ollama } = await start({ guard: true });
    const guard = await ollama.chat({ model: "llama-guard3", messages: [{ role: "user", content: "Hello there" }] });
    const plain = await ollama.chat({ model: "llama3.2", messages: [{ role: "user", content: "Hello there" }] });
    expect(plain.prompt_eval_count).toBe(4 + 4 + 2);
    expect(guard.prompt_eval_count).toBeGreaterThan(150);
  });

  it("leaves other models, queued scripts and the reply hook alone", async () => {
    const { fake, ollama } = await start({ guard: true, reply: () => ({ text: "hooked" }) });
    const chat = await ollama.chat({ model: "llama3.2", messages: [{ role: "user", content: "unsafe-S1" }] });
    fake.queueScript({ failure: { kind: "http-error", status: 500, message: "guard crashed" } });
    await expect(ollama.chat({ model: "llama-guard3", messages: [{ role: "user", content: "hi" }] })).rejects.toThrow("guard crashed");
    expect(chat.message.content).toBe("hooked");
  });

  it("keeps the guard model after reset(); without the option it is not there (404)", async () => {
    const { fake, ollama } = await start({ guard: true });
    fake.reset();
    expect((await ollama.chat({ model: "llama-guard3", messages: [{ role: "user", content: "hi" }] })).message.content).toBe("safe");
    await fake.close();
    const plain = await start({});
    await expect(plain.ollama.chat({ model: "llama-guard3", messages: [{ role: "user", content: "hi" }] })).rejects.toThrow(
      'model "llama-guard3" not found, try pulling it first',
    );
  });
});

describe("the guard model costs what a second model costs on Ollama", () => {
  const ask = (content: string) => [{ role: "user", content }];

  it("is a runner of its own: loaded once with its own load time, and the chat model's runner and cache stay", async () => {
    const { fake, ollama } = await start({
      guard: true,
      cost: { loadMs: 2000, timeScale: 0, models: { "llama-guard3": { loadMs: 5000 } } },
    });
    const messages = ask("Tell me about the harbor");
    await ollama.chat({ model: "llama3.2", messages });
    const firstGuard = await ollama.chat({ model: "llama-guard3", messages: ask("Tell me about the harbor") });
    const secondGuard = await ollama.chat({ model: "llama-guard3", messages: ask("And the river?") });
    const again = await ollama.chat({ model: "llama3.2", messages });
    expect(fake.requests.map((request) => [request.model, request.cost?.loaded, request.cost?.loadMs])).toEqual([
      ["llama3.2:latest", true, 2000],
      ["llama-guard3:latest", true, 5000],
      ["llama-guard3:latest", false, 0],
      ["llama3.2:latest", false, 0],
    ]);
    expect(fake.costs).toMatchObject({ loads: 2, reloads: 0, evictions: 0 });
    expect(fake.loadedRunners().map((runner) => runner.model).sort()).toEqual(["llama-guard3:latest", "llama3.2:latest"]);
    // The guard template's fixed head is reused from the slot; the chat model's prompt is still cached.
    expect(fake.requests[2]?.cost?.cachedTokens).toBeGreaterThan(100);
    expect(fake.requests[2]?.cost?.prefilledTokens).toBeLessThan(fake.requests[2]?.cost?.cachedTokens ?? 0);
    expect(fake.requests[3]?.cost?.cachedTokens).toBe(again.prompt_eval_count - 1);
    expect(firstGuard.load_duration).toBe(5000 * 1e6);
    expect(secondGuard.message.content).toBe("safe");
  });

  it("evicts the chat model when the loaded-models cap is reached, like any other model", async () => {
    const { fake, ollama } = await start({ guard: true, cost: { loadMs: 1000, timeScale: 0, maxLoadedModels: 1 } });
    await ollama.chat({ model: "llama3.2", messages: ask("One") });
    await ollama.chat({ model: "llama-guard3", messages: ask("One") });
    await ollama.chat({ model: "llama3.2", messages: ask("Two") });
    expect(fake.requests.map((request) => request.cost?.loaded)).toEqual([true, true, true]);
    expect(fake.costs).toMatchObject({ loads: 3, evictions: 2 });
  });
});
