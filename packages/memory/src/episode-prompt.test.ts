import { describe, expect, it } from "vitest";
import { buildEpisodePrompt, episodeInstructions, episodePromptLimits } from "./episode-prompt.ts";
import type { TokenCounter } from "./ports.ts";

const words: TokenCounter = { count: (text) => text.match(/\w+|[^\w\s]/g)?.length ?? 0 };

const chat = (count: number, content: (index: number) => string) =>
  Array.from({ length: count }, (_, index) => ({ id: `m${index}`, role: index % 2 === 0 ? ("user" as const) : ("assistant" as const), content: content(index) }));

describe("buildEpisodePrompt", () => {
  it("sends the instructions and the transcript", () => {
    const prompt = buildEpisodePrompt({ messages: chat(2, (index) => (index === 0 ? "Trams in Lisbon?" : "Take the 28.")), budgetTokens: 2000 }, words);
    expect(prompt.messages).toEqual([
      { role: "system", content: episodeInstructions },
      { role: "user", content: "User: Trams in Lisbon?\n\nAssistant: Take the 28." },
    ]);
    expect(prompt.fits).toBe(true);
  });

  it("reads at most the last maxMessages messages, each cut to its character limit", () => {
    const prompt = buildEpisodePrompt({ messages: chat(80, (index) => `Message ${index}. ${"x".repeat(index === 79 ? 5000 : 0)}`), budgetTokens: 100_000 }, words);
    expect(prompt.included).toHaveLength(episodePromptLimits.maxMessages);
    expect(prompt.included[0]?.id).toBe("m20");
    expect(prompt.messages[1]!.content).not.toContain("Message 19.");
    const lastLine = prompt.messages[1]!.content.split("\n\n").at(-1)!;
    expect(lastLine.endsWith("[…]")).toBe(true);
    expect(lastLine.length).toBeLessThanOrEqual("Assistant: ".length + episodePromptLimits.maxCharactersPerMessage + 4);
  });

  it("fits the budget: the longest messages are clipped first, then the oldest are left out", () => {
    const clipped = buildEpisodePrompt({ messages: chat(6, (index) => (index === 2 ? "story ".repeat(400) : `Point ${index}.`)), budgetTokens: 300 }, words);
    expect(clipped).toMatchObject({ fits: true, clippedMessages: 1 });
    expect(clipped.included).toHaveLength(6);
    expect(clipped.totalTokens).toBeLessThanOrEqual(300);

    const crowded = buildEpisodePrompt({ messages: chat(50, (index) => `${"filler ".repeat(80)}end ${index}`), budgetTokens: 800 }, words);
    expect(crowded.fits).toBe(true);
    expect(crowded.included.at(-1)?.id).toBe("m49");
    expect(crowded.included.length).toBeLessThan(50);
  });
});
