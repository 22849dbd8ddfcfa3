import { describe, expect, it } from "vitest";
import { buildContextFromHistory, type HistoryMessage } from "./build-context.ts";
import type { TokenCounter } from "./ports.ts";

const words: TokenCounter = { count: (text) => text.split(/\s+/).filter(Boolean).length };

function message(id: string, sessionId: string, role: "user" | "assistant", content: string, minute: number): HistoryMessage {
  return { id, sessionId, role, content, createdAt: new Date(Date.UTC(2026, 0, 1, 0, minute)) };
}

describe("buildContextFromHistory", () => {
  const history: HistoryMessage[] = [
    message("old-1", "chat-a", "user", "My sister Anna lives in Porto.", 0),
    message("old-2", "chat-a", "assistant", "Porto is lovely in spring.", 1),
    ...Array.from({ length: 30 }, (_, index) =>
      message(`now-${index}`, "chat-b", index % 2 === 0 ? "user" : "assistant", `Filler message number ${index} about cooking pasta.`, 10 + index),
    ),
  ];

  it("returns the context and, per layer, the ids it drew on, from plain data", () => {
    const context = buildContextFromHistory(
      { systemPrompt: "Be helpful.", history, sessionId: "chat-b", userMessage: "Where does my sister live?", budgetTokens: 400, bufferSize: 4 },
      words,
    );
    const layer = (name: string) => context.layers.find((entry) => entry.layer === name)?.ids ?? [];
    expect(layer("buffer")).toEqual(["now-26", "now-27", "now-28", "now-29"]);
    expect(layer("recalled")).toContain("old-1");
    expect(context.messages.at(-1)).toEqual({ role: "user", content: "Where does my sister live?" });
    expect(context.totalTokens).toBeLessThanOrEqual(400);
  });

  it("stays in the chat when asked to", () => {
    const context = buildContextFromHistory(
      { systemPrompt: "", history, sessionId: "chat-b", userMessage: "Where does my sister live?", budgetTokens: 400, bufferSize: 4, recallAcrossChats: false },
      words,
    );
    expect(context.layers.find((entry) => entry.layer === "recalled")?.ids ?? []).not.toContain("old-1");
  });
});
