import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import type { ReplyContext } from "../trpc.ts";
import { ContextBreakdown } from "./context-panel.tsx";

afterEach(cleanup);

function context(overrides: Partial<NonNullable<ReplyContext["metadata"]>> = {}): ReplyContext {
  return {
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
    const { container } = render(<ContextBreakdown context={context()} />);
    expect(screen.getByText("Recalled turns: 148 tokens (2)")).toBeTruthy();
    expect(screen.getByText("Recent messages: 182 tokens")).toBeTruthy();
    expect(screen.queryByText(/Earlier chats/)).toBeNull();
    const segments = [...container.querySelectorAll<HTMLElement>(".context-segment")];
    expect(segments.map((segment) => segment.className.replace("context-segment context-", ""))).toEqual(["system", "profile", "recalled", "buffer", "user"]);
    // Widths are shares of the budget.
    expect(segments.find((segment) => segment.classList.contains("context-buffer"))?.style.width).toBe(`${(182 / 1480) * 100}%`);
    expect(screen.getByRole("img").getAttribute("aria-label")).toBe("400 of 2000 context tokens used");
    expect(screen.getByText(/Ollama counted 410/).textContent).toContain("memory from cache");
    expect(screen.getByRole("list", { name: "Trimmed to fit" }).textContent).toContain("dropped 2 of 4 recalled turns");
  });

  it("says so when a reply has no recorded context", () => {
    render(<ContextBreakdown context={{ promptEvalCount: null, completionTokens: null, metadata: null }} />);
    expect(screen.getByText("No context was recorded for this reply.")).toBeTruthy();
  });
});
