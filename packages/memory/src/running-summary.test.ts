import { describe, expect, it } from "vitest";
import type { TokenCounter } from "./ports.ts";
import {
  buildSummaryPrompt,
  isFinishedTurn,
  planSummaryUpdate,
  summaryBranchWindow,
  summaryInstructions,
  summaryPromptLimits,
  verbatimStartForBuffer,
  type SummarySourceMessage,
} from "./running-summary.ts";

/** One token per word or punctuation mark: easy to reason about. */
const words: TokenCounter = { count: (text) => text.match(/\w+|[^\w\s]/g)?.length ?? 0 };

function branch(count: number, extra: Partial<SummarySourceMessage> = {}): SummarySourceMessage[] {
  return Array.from({ length: count }, (_, index) => ({
    id: `m${index + 1}`,
    role: index % 2 === 0 ? "user" : "assistant",
    content: `Message ${index + 1} about the trip.`,
    status: "complete",
    ...extra,
  }));
}

const cadence = { segmentMessages: 6, firstSummaryAfterMessages: 6 };

describe("planSummaryUpdate", () => {
  it("is due once a whole segment has left the verbatim part, and says how far off it is before that", () => {
    const eight = branch(8);
    expect(planSummaryUpdate({ ...cadence, branch: eight, verbatimStart: verbatimStartForBuffer(8, 4), previous: null })).toEqual({ due: false, messagesUntilDue: 2 });
    const ten = branch(10);
    const plan = planSummaryUpdate({ ...cadence, branch: ten, verbatimStart: verbatimStartForBuffer(10, 4), previous: null });
    expect(plan.due && plan.messages.map((message) => message.id)).toEqual(["m1", "m2", "m3", "m4", "m5", "m6"]);
  });

  it("takes the boundary of the verbatim part as given, not from a buffer size", () => {
    const ten = branch(10);
    // Another boundary: only the last two messages were sent verbatim.
    const plan = planSummaryUpdate({ ...cadence, branch: ten, verbatimStart: 8, previous: null });
    expect(plan.due && plan.messages.at(-1)?.id).toBe("m8");
    expect(planSummaryUpdate({ ...cadence, branch: ten, verbatimStart: 0, previous: null })).toEqual({ due: false, messagesUntilDue: 6 });
    // Out-of-range boundaries are clamped.
    expect(planSummaryUpdate({ ...cadence, branch: ten, verbatimStart: 99, previous: null }).due).toBe(true);
  });

  it("writes the first summary sooner when configured, and updates after that once per segment", () => {
    const six = branch(6);
    const early = { segmentMessages: 20, firstSummaryAfterMessages: 2 };
    const first = planSummaryUpdate({ ...early, branch: six, verbatimStart: verbatimStartForBuffer(6, 4), previous: null });
    expect(first.due && first.messages.map((message) => message.id)).toEqual(["m1", "m2"]);
    expect(planSummaryUpdate({ ...early, branch: six, verbatimStart: 2, previous: { coveredMessageId: "m2", coveredCount: 2 } })).toEqual({
      due: false,
      messagesUntilDue: 20,
    });
  });

  it("counts only what the covered message does not cover, and everything when it is not on the branch", () => {
    const sixteen = branch(16);
    const after = planSummaryUpdate({ ...cadence, branch: sixteen, verbatimStart: 12, previous: { coveredMessageId: "m6", coveredCount: 6 } });
    expect(after.due && after.messages.map((message) => message.id)).toEqual(["m7", "m8", "m9", "m10", "m11", "m12"]);
    // An edit moved the chat to another branch (or the summary fell behind the window): all of it is new.
    const elsewhere = planSummaryUpdate({ ...cadence, branch: sixteen, verbatimStart: 12, previous: { coveredMessageId: "gone", coveredCount: 6 } });
    expect(elsewhere.due && elsewhere.messages).toHaveLength(12);
  });

  it("counts finished user and assistant turns only", () => {
    expect(isFinishedTurn({ id: "a", role: "assistant", content: "Hi", status: "streaming" })).toBe(false);
    expect(isFinishedTurn({ id: "a", role: "assistant", content: "  ", status: "complete" })).toBe(false);
    expect(isFinishedTurn({ id: "s", role: "system", content: "Be brief.", status: "complete" })).toBe(false);
    expect(isFinishedTurn({ id: "a", role: "assistant", content: "Half a reply", status: "interrupted" })).toBe(true);
    const mixed = [...branch(6), { id: "blank", role: "assistant" as const, content: " ", status: "complete" }, ...branch(2).map((message) => ({ ...message, id: `x${message.id}` }))];
    expect(planSummaryUpdate({ ...cadence, branch: mixed, verbatimStart: 7, previous: null }).due).toBe(true);
    expect(planSummaryUpdate({ ...cadence, branch: mixed, verbatimStart: 7, previous: null, segmentMessages: 7, firstSummaryAfterMessages: 7 })).toEqual({
      due: false,
      messagesUntilDue: 1,
    });
  });

  it("loads the verbatim part and four segments", () => {
    expect(summaryBranchWindow(10, { segmentMessages: 20 })).toBe(90);
  });
});

describe("buildSummaryPrompt", () => {
  const turns = (count: number, content: (index: number) => string) =>
    Array.from({ length: count }, (_, index) => ({ id: `t${index}`, role: index % 2 === 0 ? ("user" as const) : ("assistant" as const), content: content(index) }));

  it("sends the instructions, the current summary and the new messages", () => {
    const prompt = buildSummaryPrompt({ previousSummary: "The user plans a trip.", messages: turns(2, (index) => `Turn ${index}.`), budgetTokens: 1000 }, words);
    expect(prompt.messages[0]).toEqual({ role: "system", content: summaryInstructions });
    expect(prompt.messages[1]?.content).toBe("Current summary:\nThe user plans a trip.\n\nNew messages:\nUser: Turn 0.\n\nAssistant: Turn 1.");
    expect(prompt.covered.map((message) => message.id)).toEqual(["t0", "t1"]);
    expect(prompt).toMatchObject({ clippedMessages: 0, summaryShortened: false, fits: true });
    expect(buildSummaryPrompt({ previousSummary: null, messages: turns(1, () => "Hi."), budgetTokens: 1000 }, words).messages[1]?.content).toContain("(none yet)");
  });

  it("cuts each message to its character limit first", () => {
    const paste = "word ".repeat(1000);
    const prompt = buildSummaryPrompt({ previousSummary: null, messages: turns(1, () => paste), budgetTokens: 100_000 }, words);
    expect(prompt.messages[1]!.content.length).toBeLessThan(summaryPromptLimits.maxCharactersPerMessage + 100);
    expect(prompt.messages[1]!.content).toContain("[…]");
  });

  it("fits the budget by clipping the longest messages first, keeping every message", () => {
    const long = "detail ".repeat(250);
    const messages = turns(6, (index) => (index === 1 || index === 4 ? long : `Short question ${index} about Lisbon.`));
    const prompt = buildSummaryPrompt({ previousSummary: "The user plans a trip.", messages, budgetTokens: 400 }, words);
    expect(prompt.fits).toBe(true);
    expect(prompt.totalTokens).toBeLessThanOrEqual(400);
    expect(prompt.covered).toHaveLength(6);
    expect(prompt.clippedMessages).toBe(2);
    const text = prompt.messages[1]!.content;
    for (const index of [0, 2, 3, 5]) expect(text).toContain(`Short question ${index} about Lisbon.`);
    expect(text.match(/\[…\]/g)).toHaveLength(2);
  });

  it("leaves the newest messages for the next update when even a minimum of each does not fit", () => {
    const messages = turns(40, (index) => `${"padding ".repeat(60)}message ${index}`);
    const prompt = buildSummaryPrompt({ previousSummary: null, messages, budgetTokens: 600 }, words);
    expect(prompt.fits).toBe(true);
    expect(prompt.covered.length).toBeGreaterThan(0);
    expect(prompt.covered.length).toBeLessThan(40);
    expect(prompt.covered[0]?.id).toBe("t0");
    expect(prompt.messages[1]!.content).not.toContain("message 39");
  });

  it("shortens a current summary that leaves no room for the new messages", () => {
    const prompt = buildSummaryPrompt({ previousSummary: "Old news. ".repeat(300), messages: turns(2, (index) => `Turn ${index}.`), budgetTokens: 400 }, words);
    expect(prompt.summaryShortened).toBe(true);
    expect(prompt.fits).toBe(true);
    expect(prompt.messages[1]!.content).toContain("[summary shortened]");
    expect(prompt.messages[1]!.content).toContain("Assistant: Turn 1.");
  });
});
