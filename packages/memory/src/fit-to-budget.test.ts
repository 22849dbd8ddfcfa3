import { describe, expect, it } from "vitest";
import { fitMessagesToBudget } from "./fit-to-budget.ts";
import type { PromptMessage, TokenCounter } from "./ports.ts";

const words: TokenCounter = { count: (text) => text.split(/\s+/).filter(Boolean).length };
const paste = (count: number, word: string): string => Array.from({ length: count }, (_, index) => `${word}${index}`).join(" ");

describe("fitMessagesToBudget", () => {
  it("leaves a prompt that fits alone", () => {
    const messages: PromptMessage[] = [
      { role: "system", content: "Be brief." },
      { role: "user", content: "hello there" },
    ];
    const fitted = fitMessagesToBudget(messages, words, 100, 4);
    expect(fitted.messages).toEqual(messages);
    expect(fitted.cuts).toEqual([]);
    expect(fitted.fits).toBe(true);
  });

  it("cuts the middle of a long paste, keeping its start and end and marking the cut", () => {
    const messages: PromptMessage[] = [
      { role: "system", content: "Be brief and precise in every answer." },
      { role: "assistant", content: "Sure, send it." },
      { role: "user", content: `${paste(2000, "w")} what does this log mean?` },
    ];
    const fitted = fitMessagesToBudget(messages, words, 400, 4);
    expect(fitted.fits).toBe(true);
    expect(fitted.totalTokens).toBeLessThanOrEqual(400);
    const user = fitted.messages[2]!.content;
    expect(user.startsWith("w0 w1 w2")).toBe(true);
    expect(user.endsWith("what does this log mean?")).toBe(true);
    expect(user).toMatch(/\[… about \d+ tokens cut here to fit the model's context …\]/);
    expect(fitted.messages[0]).toEqual(messages[0]);
    expect(fitted.cuts.map((cut) => cut.index)).toEqual([2]);
  });

  it("cuts the largest first and several when one is not enough, never the instructions", () => {
    const messages: PromptMessage[] = [
      { role: "system", content: paste(100, "rule") },
      { role: "user", content: paste(600, "a") },
      { role: "assistant", content: paste(500, "b") },
      { role: "user", content: paste(400, "c") },
    ];
    const fitted = fitMessagesToBudget(messages, words, 500, 4);
    expect(fitted.fits).toBe(true);
    expect(fitted.messages[0]).toEqual(messages[0]);
    expect(fitted.cuts.length).toBeGreaterThanOrEqual(2);
  });

  it("reports when even cutting everything it may cut cannot fit", () => {
    const messages: PromptMessage[] = [
      { role: "system", content: paste(300, "rule") },
      { role: "user", content: paste(300, "a") },
    ];
    const fitted = fitMessagesToBudget(messages, words, 200, 4);
    expect(fitted.fits).toBe(false);
    expect(fitted.messages[0]).toEqual(messages[0]);
  });
});
