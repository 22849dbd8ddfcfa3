import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import type { ReplyContext } from "../trpc.ts";
import { ContextBreakdown } from "./context-panel.tsx";

afterEach(cleanup);

function context(overrides: Partial<NonNullable<ReplyContext["metadata"]>> = {}): ReplyContext {
  return {
    summary: { text: "The user is planning a trip to Lisbon in May.", coveredMessages: 24 },
    recalled: [
      { id: "m1", sessionId: "chat-1", role: "user", content: "I prefer trains to planes.", createdAt: "2025-03-01T10:00:00.000Z" },
      { id: "m2", sessionId: "chat-2", role: "assistant", content: "Porto is three hours away by train.", createdAt: "2025-02-01T10:00:00.000Z" },
    ],
    promptEvalCount: 410,
    completionTokens: 52,
    metadata: {
      model: "llama3.2",
      numCtx: 2000,
      budgetTokens: 1480,
      estimatedPromptTokens: 400,
      layers: [
        { layer: "system", tokens: 40, ids: [] },
        { layer: "episodic", tokens: 0, ids: [] },
        { layer: "profile", tokens: 20, ids: ["f1"] },
        { layer: "summary", tokens: 0, ids: [] },
        { layer: "recalled", tokens: 148, ids: ["m1", "m2"] },
        { layer: "passages", tokens: 0, ids: [] },
        { layer: "buffer", tokens: 182, ids: ["m8", "m9"] },
        { layer: "user", tokens: 10, ids: [] },
      ],
      trimmed: [{ layer: "recalled", what: "dropped 2 of 4 recalled turns (lowest scores first)", ids: ["m3", "m4"], why: "over budget" }],
      overBudget: false,
      cached: true,
      tokenizer: "llama3",
      exactTokenizer: true,
      calibrationSamples: 3,
      totalMessages: 11,
      recalledMessageIds: ["m1", "m2"],
      recallBy: ["bm25"],
      ...overrides,
    },
  };
}

describe("ContextBreakdown", () => {
  it("shows each layer that took tokens, against the budget, and what was trimmed", () => {
    const { container } = render(<ContextBreakdown context={context()} sessionId="chat-1" />);
    expect(screen.getByText("Recalled turns: 148 tokens (2)")).toBeTruthy();
    expect(screen.getByText("Recent messages: 182 tokens")).toBeTruthy();
    expect(screen.queryByText(/Earlier chats/)).toBeNull();
    const segments = [...container.querySelectorAll<HTMLElement>(".context-segment")];
    expect(segments.map((segment) => segment.className.replace("context-segment context-", ""))).toEqual(["system", "profile", "recalled", "buffer", "user"]);
    // Widths are shares of the budget (read back rounded, as browsers and current jsdom serialise them).
    const bufferWidth = segments.find((segment) => segment.classList.contains("context-buffer"))?.style.width ?? "";
    expect(bufferWidth).toMatch(/%$/);
    expect(Number.parseFloat(bufferWidth)).toBeCloseTo((182 / 1480) * 100, 3);
    expect(screen.getByRole("img").getAttribute("aria-label")).toBe("400 of 2000 context tokens used");
    expect(screen.getByText(/Ollama counted 410/).textContent).toContain("memory from cache");
    expect(screen.getByRole("list", { name: "Trimmed to fit" }).textContent).toContain("dropped 2 of 4 recalled turns");
  });

  it("shows the running summary and the recalled turns, marking those from other chats", () => {
    const { container } = render(<ContextBreakdown context={context()} sessionId="chat-1" />);
    expect(screen.getByText(/Running summary of this chat \(24 earlier messages/)).toBeTruthy();
    expect(screen.getByText("The user is planning a trip to Lisbon in May.")).toBeTruthy();
    expect(screen.getByText("Recalled turns (2, by bm25)")).toBeTruthy();
    const turns = [...container.querySelectorAll(".context-recalled li")].map((turn) => turn.textContent);
    expect(turns).toEqual(["YouI prefer trains to planes.", "Assistant · another chatPorto is three hours away by train."]);
  });

  it("says how much of the prompt the model could reuse from its cache, or why it read it all", () => {
    render(<ContextBreakdown context={context({ promptCache: { decision: "continued", rebuildReason: null, expectedCachedTokens: 350, expectedPrefillTokens: 50 } })} sessionId="chat-1" />);
    expect(screen.getByText("Prompt cache: about 350 tokens reused from the previous reply, 50 read again.")).toBeTruthy();
    cleanup();
    render(<ContextBreakdown context={context({ promptCache: { decision: "rebuilt", rebuildReason: "budget-full", expectedCachedTokens: 40, expectedPrefillTokens: 360 } })} sessionId="chat-1" />);
    expect(screen.getByText(/Prompt read in full \(360 tokens\): the chat had filled the context/)).toBeTruthy();
    cleanup();
    render(<ContextBreakdown context={context()} sessionId="chat-1" />);
    expect(screen.queryByText(/Prompt cache|Prompt read in full/)).toBeNull();
  });

  it("says so when a reply has no recorded context", () => {
    render(<ContextBreakdown context={{ promptEvalCount: null, completionTokens: null, metadata: null, summary: null, recalled: [] }} sessionId="chat-1" />);
    expect(screen.getByText("No context was recorded for this reply.")).toBeTruthy();
  });
});
