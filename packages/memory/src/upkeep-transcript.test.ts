import { describe, expect, it } from "vitest";
import type { TokenCounter } from "./ports.ts";
import { createTokenCounter } from "./tokens.ts";
import { clipTextToTokens, fitTranscript, planUpkeepBudget } from "./upkeep-transcript.ts";

const words: TokenCounter = { count: (text) => text.match(/\w+|[^\w\s]/g)?.length ?? 0 };
const message = (id: string, content: string, role: "user" | "assistant" = "user") => ({ id, role, content });

describe("fitTranscript", () => {
  it("leaves a transcript that fits alone", () => {
    const fitted = fitTranscript([message("a", "Hi."), message("b", "Hello!", "assistant")], words, { maxCharactersPerMessage: 100, budgetTokens: 100, overflow: "drop-oldest" });
    expect(fitted).toMatchObject({ text: "User: Hi.\n\nAssistant: Hello!", clippedMessages: 0, fits: true });
  });

  it("clips the longest to one common length, older ones a little harder", () => {
    const long = (tag: string) => `${tag} ${"word ".repeat(100)}`;
    const fitted = fitTranscript([message("old", long("old")), message("short", "Just this."), message("new", long("new"))], words, {
      maxCharactersPerMessage: 10_000,
      budgetTokens: 81,
      overflow: "drop-oldest",
    });
    expect(fitted.fits).toBe(true);
    expect(fitted.clippedMessages).toBe(2);
    expect(fitted.text).toContain("User: Just this.");
    const [oldLine, , newLine] = fitted.text.split("\n\n");
    expect(words.count(oldLine!)).toBeLessThanOrEqual(words.count(newLine!));
    expect(words.count(newLine!) - words.count(oldLine!)).toBeLessThanOrEqual(2);
  });

  it("drops from the end it is told to when even a minimum each does not fit", () => {
    const many = Array.from({ length: 20 }, (_, index) => message(`m${index}`, `${"pad ".repeat(50)}${index}`));
    const oldestOut = fitTranscript(many, words, { maxCharactersPerMessage: 10_000, budgetTokens: 200, overflow: "drop-oldest" });
    expect(oldestOut.included.at(-1)?.id).toBe("m19");
    const newestOut = fitTranscript(many, words, { maxCharactersPerMessage: 10_000, budgetTokens: 200, overflow: "drop-newest" });
    expect(newestOut.included[0]?.id).toBe("m0");
    for (const fitted of [oldestOut, newestOut]) {
      expect(fitted.fits).toBe(true);
      expect(fitted.included.length).toBeLessThan(20);
    }
  });

  it("fits under the real Llama 3 tokenizer too", () => {
    const llama = createTokenCounter("llama");
    const text = "Lisbon's trams: the 28 rattles uphill past the cathedral; buy a Viva Viagem card. ".repeat(40);
    const fitted = fitTranscript([message("a", text), message("b", text, "assistant"), message("c", "Thanks!")], llama, { maxCharactersPerMessage: 2000, budgetTokens: 300, overflow: "drop-newest" });
    expect(fitted.fits).toBe(true);
    expect(llama.count(fitted.text)).toBeLessThanOrEqual(300);
    expect(fitted.included).toHaveLength(3);
  });
});

describe("clipTextToTokens and planUpkeepBudget", () => {
  it("keeps the beginning within the cap, marked", () => {
    expect(clipTextToTokens("short text", 10, words)).toBe("short text");
    const clipped = clipTextToTokens("one two three four five six seven eight nine ten", 6, words, " [cut]");
    expect(clipped.endsWith(" [cut]")).toBe(true);
    expect(words.count(clipped)).toBeLessThanOrEqual(6);
  });

  it("keeps at most half the context for the answer", () => {
    expect(planUpkeepBudget(2000, 600)).toEqual({ maxTokens: 600, promptBudget: 1400 });
    expect(planUpkeepBudget(800, 700)).toEqual({ maxTokens: 400, promptBudget: 400 });
  });
});
