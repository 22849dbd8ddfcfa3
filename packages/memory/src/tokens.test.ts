import { describe, expect, it } from "vitest";
import llama3Tokenizer from "llama3-tokenizer-js";
import { CalibratedTokenCounter, createTokenCounter, usesLlama3Vocabulary, type PromptShape } from "./tokens.ts";
import type { PromptMessage, TokenCounter } from "./ports.ts";

const sampleTexts = [
  "Hello, my name is Alice and I work as a nurse in Berlin.",
  "function double(x) { return x * 2; }\nconsole.log(double(3));",
  "Das ist ein deutscher Satz mit Umlauten: äöü ß.",
  "日本語のテキストです。",
  "Can you summarise the attached PDF in three bullet points?",
];

/** A seeded generator so every run builds the same prompts. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

function randomPrompt(random: () => number): PromptMessage[] {
  const words = ["memory", "budget", "the", "Ollama", "context", "tokens", "résumé", "naïve", "café", "42", "x=y+1;", "summary"];
  const messageCount = 1 + Math.floor(random() * 12);
  return Array.from({ length: messageCount }, (_, index) => ({
    role: index === 0 ? "system" : index % 2 === 1 ? "user" : "assistant",
    content: Array.from({ length: 5 + Math.floor(random() * 120) }, () => words[Math.floor(random() * words.length)]).join(" "),
  }));
}

describe("createTokenCounter", () => {
  it("uses the real Llama 3 tokenizer for Llama 3 models (llama3.2 reports family llama)", () => {
    const counter = createTokenCounter("llama", { modelName: "llama3.2:3b" });
    expect(counter.tokenizer).toBe("llama3");
    expect(counter.exact).toBe(true);
    for (const text of sampleTexts) {
      expect(counter.count(text)).toBe(llama3Tokenizer.encode(text, { bos: false, eos: false }).length);
    }
  });

  it("approximates with o200k for other families and for older vocabularies labelled llama", () => {
    expect(createTokenCounter("qwen2").tokenizer).toBe("o200k");
    expect(createTokenCounter("qwen2").exact).toBe(false);
    expect(createTokenCounter(null).tokenizer).toBe("o200k");
    expect(createTokenCounter("llama", { modelName: "mistral:7b" }).tokenizer).toBe("o200k");
    expect(createTokenCounter("gptoss").exact).toBe(true);
    expect(usesLlama3Vocabulary("mllama", "llama3.2-vision")).toBe(true);
    expect(usesLlama3Vocabulary("llama", "llama2:13b")).toBe(false);
  });

  it("approximates within a quarter of Llama 3 on ordinary text", () => {
    const approximate = createTokenCounter("gemma2");
    const llama3 = createTokenCounter("llama");
    for (const text of sampleTexts) {
      expect(Math.abs(approximate.count(text) - llama3.count(text))).toBeLessThanOrEqual(Math.ceil(llama3.count(text) * 0.25));
    }
  });

  it("counts deterministically, empty text as zero, and special-token text without throwing", () => {
    for (const family of ["llama", "qwen2"]) {
      const counter = createTokenCounter(family);
      const again = createTokenCounter(family);
      for (const text of sampleTexts) expect(counter.count(text)).toBe(again.count(text));
      expect(counter.count("")).toBe(0);
      expect(counter.count("a <|endoftext|> b <|eot_id|>")).toBeGreaterThan(0);
      expect(counter.count("lone surrogate \ud800 here")).toBeGreaterThan(0);
    }
  });

  it("serves repeated texts from the memo", () => {
    const counter = createTokenCounter("llama");
    const first = counter.count(sampleTexts[0]!);
    expect(counter.count(sampleTexts[0]!)).toBe(first);
    expect(counter.cacheStats()).toMatchObject({ entries: 1, hits: 1, misses: 1 });
  });

  it("keeps the memo bounded by entries and by characters, evicting the least recently used", () => {
    const counter = createTokenCounter("qwen2", { cache: { maxEntries: 50, maxCharacters: 2_000 } });
    for (let index = 0; index < 500; index += 1) counter.count(`message number ${index} `.repeat(1 + (index % 5)));
    const stats = counter.cacheStats();
    expect(stats.entries).toBeLessThanOrEqual(50);
    expect(stats.characters).toBeLessThanOrEqual(2_000);

    const byEntries = createTokenCounter("qwen2", { cache: { maxEntries: 3, maxCharacters: 1_000_000 } });
    byEntries.count("a");
    byEntries.count("b");
    byEntries.count("c");
    byEntries.count("a"); // "b" is now the least recently used
    byEntries.count("d");
    const missesBefore = byEntries.cacheStats().misses;
    byEntries.count("a");
    byEntries.count("c");
    expect(byEntries.cacheStats().misses).toBe(missesBefore);
    byEntries.count("b");
    expect(byEntries.cacheStats().misses).toBe(missesBefore + 1);
  });

  it("counts but does not keep a text too large for the memo", () => {
    const counter = createTokenCounter("qwen2", { cache: { maxEntries: 10, maxCharacters: 800 } });
    expect(counter.count("word ".repeat(100))).toBeGreaterThan(50);
    expect(counter.cacheStats().entries).toBe(0);
  });
});

/** Stands in for Ollama: a different tokenizer, scaled, plus a chat template's overhead. */
function trueCount(messages: readonly PromptMessage[], scale: number, perMessage: number, fixed: number): number {
  const llama3 = createTokenCounter("llama");
  return Math.round(messages.reduce((sum, message) => sum + scale * llama3.count(message.content) + perMessage, fixed));
}

describe("CalibratedTokenCounter", () => {
  it("converges within a few observations when the truth differs by a factor and a template overhead", () => {
    const base = createTokenCounter("qwen2");
    const counter = new CalibratedTokenCounter(base);
    const random = seededRandom(7);
    const truth = (messages: PromptMessage[]) =>
      messages.reduce((sum, message) => sum + Math.round(1.3 * base.count(message.content)) + 9, 40);
    const firstPrompt = randomPrompt(random);
    const initialError = Math.abs(counter.estimatePrompt(firstPrompt) - truth(firstPrompt)) / truth(firstPrompt);
    for (let turn = 0; turn < 5; turn += 1) {
      const prompt = randomPrompt(random);
      expect(counter.observe(prompt, truth(prompt)).accepted).toBe(true);
    }
    expect(counter.calibration.samples).toBe(5);
    const errors = Array.from({ length: 30 }, () => {
      const prompt = randomPrompt(random);
      return Math.abs(counter.estimatePrompt(prompt) - truth(prompt)) / truth(prompt);
    });
    expect(initialError).toBeGreaterThan(0.1);
    expect(errors.reduce((sum, error) => sum + error, 0) / errors.length).toBeLessThan(0.015);
    expect(Math.max(...errors)).toBeLessThan(0.03);
  });

  it("brings an o200k estimate close to what a Llama 3 server counts", () => {
    const counter = new CalibratedTokenCounter(createTokenCounter("qwen2"));
    const random = seededRandom(21);
    for (let turn = 0; turn < 6; turn += 1) {
      const prompt = randomPrompt(random);
      counter.observe(prompt, trueCount(prompt, 1, 5, 12));
    }
    const errors = Array.from({ length: 30 }, () => {
      const prompt = randomPrompt(random);
      return Math.abs(counter.estimatePrompt(prompt) - trueCount(prompt, 1, 5, 12)) / trueCount(prompt, 1, 5, 12);
    });
    expect(errors.reduce((sum, error) => sum + error, 0) / errors.length).toBeLessThan(0.03);
    expect(Math.max(...errors)).toBeLessThan(0.08);
  });

  it("recovers an exact linear truth's ratio and per-message overhead", () => {
    const base: TokenCounter = { count: (text) => text.length };
    const counter = new CalibratedTokenCounter(base);
    const random = seededRandom(3);
    for (let turn = 0; turn < 12; turn += 1) {
      const shape: PromptShape = { contentTokens: 50 + Math.floor(random() * 4000), messageCount: 1 + Math.floor(random() * 20) };
      counter.observe(shape, 0.8 * shape.contentTokens + 6 * shape.messageCount + 25);
    }
    const { ratio, perMessageTokens, fixedTokens } = counter.calibration;
    expect(ratio).toBeCloseTo(0.8, 2);
    expect(perMessageTokens).toBeCloseTo(6, 0);
    // The constant is worth ~1% of these prompts, so it is the least determined; it stays sane.
    expect(fixedTokens).toBeGreaterThan(0);
    expect(fixedTokens).toBeLessThan(40);
  });

  it("refuses absurd samples without moving the calibration", () => {
    const counter = new CalibratedTokenCounter(createTokenCounter("llama"));
    const random = seededRandom(11);
    for (let turn = 0; turn < 6; turn += 1) {
      const prompt = randomPrompt(random);
      counter.observe(prompt, trueCount(prompt, 1, 5, 12));
    }
    const before = counter.calibration;
    const prompt = randomPrompt(random);
    const truth = trueCount(prompt, 1, 5, 12);
    expect(counter.observe(prompt, 0)).toEqual({ accepted: false, reason: "not-a-count" });
    expect(counter.observe(prompt, -40)).toEqual({ accepted: false, reason: "not-a-count" });
    expect(counter.observe(prompt, Number.NaN)).toEqual({ accepted: false, reason: "not-a-count" });
    expect(counter.observe(prompt, truth * 100)).toEqual({ accepted: false, reason: "implausible" });
    expect(counter.observe(prompt, Math.floor(truth / 100))).toEqual({ accepted: false, reason: "implausible" });
    expect(counter.observe([], 30)).toEqual({ accepted: false, reason: "empty-prompt" });
    const after = counter.calibration;
    expect(after).toEqual({ ...before, rejected: before.rejected + 6 });
  });

  it("is not wrecked by one odd but plausible sample (a truncated or cached prompt)", () => {
    const counter = new CalibratedTokenCounter(createTokenCounter("llama"));
    const random = seededRandom(5);
    for (let turn = 0; turn < 6; turn += 1) {
      const prompt = randomPrompt(random);
      counter.observe(prompt, trueCount(prompt, 1, 5, 12));
    }
    const probe = randomPrompt(random);
    const settled = counter.estimatePrompt(probe);
    const odd = randomPrompt(random);
    expect(counter.observe(odd, Math.round(trueCount(odd, 1, 5, 12) * 0.45)).accepted).toBe(true);
    expect(Math.abs(counter.estimatePrompt(probe) - settled) / settled).toBeLessThan(0.03);
  });

  it("follows a lasting change (a new system template) within a handful of observations", () => {
    const counter = new CalibratedTokenCounter(createTokenCounter("llama"));
    const random = seededRandom(9);
    for (let turn = 0; turn < 8; turn += 1) {
      const prompt = randomPrompt(random);
      counter.observe(prompt, trueCount(prompt, 1, 5, 12));
    }
    for (let turn = 0; turn < 12; turn += 1) {
      const prompt = randomPrompt(random);
      counter.observe(prompt, trueCount(prompt, 1, 5, 300));
    }
    const probe = randomPrompt(random);
    expect(Math.abs(counter.estimatePrompt(probe) - trueCount(probe, 1, 5, 300)) / trueCount(probe, 1, 5, 300)).toBeLessThan(0.05);
  });

  it("starts an approximate counter on the high side and an exact one at the template's overhead", () => {
    const approximate = new CalibratedTokenCounter(createTokenCounter("qwen2"));
    expect(approximate.calibration).toMatchObject({ ratio: 1.1, samples: 0, relativeError: null });
    const exact = new CalibratedTokenCounter(createTokenCounter("llama"));
    const prompt: PromptMessage[] = [{ role: "user", content: sampleTexts[0]! }];
    expect(exact.estimatePrompt(prompt)).toBe(createTokenCounter("llama").count(sampleTexts[0]!) + 5 + 8);
    expect(exact.countMessage(prompt[0]!)).toBe(createTokenCounter("llama").count(sampleTexts[0]!) + 5);
  });

  it("restores from a saved calibration and estimates deterministically", () => {
    const saved = { ratio: 1.2, perMessageTokens: 7, fixedTokens: 30 };
    const first = new CalibratedTokenCounter(createTokenCounter("qwen2"), { prior: saved });
    const second = new CalibratedTokenCounter(createTokenCounter("qwen2"), { prior: saved });
    const prompt = randomPrompt(seededRandom(1));
    expect(first.estimatePrompt(prompt)).toBe(second.estimatePrompt(prompt));
    expect(first.calibration).toMatchObject(saved);
    expect(first.count("hello there")).toBe(Math.ceil(1.2 * createTokenCounter("qwen2").count("hello there")));
  });

  it("reports its recent relative error for the metadata", () => {
    const counter = new CalibratedTokenCounter(createTokenCounter("llama"));
    const random = seededRandom(13);
    for (let turn = 0; turn < 10; turn += 1) {
      const prompt = randomPrompt(random);
      counter.observe(prompt, trueCount(prompt, 1, 5, 12));
    }
    expect(counter.calibration.relativeError).not.toBeNull();
    expect(counter.calibration.relativeError!).toBeLessThan(0.02);
  });
});
