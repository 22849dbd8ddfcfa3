import { describe, expect, it } from "vitest";
import type { ContextEpisode, ContextProfileFact, ContextRecalledTurn, ContextSummary } from "./context-sections.ts";
import type { MemoryMessage, PromptMessage, TokenCounter } from "./ports.ts";
import { buildTurnPrompt, referencesThePast, renderFrame, summaryDue, type PromptLayoutState, type TurnPrompt, type TurnPromptInput } from "./prompt-layout.ts";

const wordCounter: TokenCounter = { count: (text) => text.match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu)?.length ?? 0 };
const at = (minute: number): Date => new Date(Date.UTC(2026, 2, 1, 9, minute));

const episodes: ContextEpisode[] = [{ id: "e1", sessionId: "old", summary: "They planned a trip to Lisbon.", facts: ["Flies on May 3"], createdAt: at(0) }];
const profile: ContextProfileFact[] = [{ id: "f1", kind: "name", value: "Ada" }];
const summary: ContextSummary = { text: "Ada talked about tea. She likes green tea.", coveredMessageIds: ["s0"] };

/** Older turns of another chat that recall can bring in. */
const archive: ContextRecalledTurn[] = Array.from({ length: 6 }, (_, index) => ({
  id: `old${index}`,
  role: index % 2 === 0 ? "user" : "assistant",
  content: `Archived turn ${index} about kettles and ${index % 2 === 0 ? "tea" : "coffee"}.`,
  createdAt: at(index),
  score: 6 - index,
}));
const archiveById = new Map(archive.map((turn) => [turn.id, turn]));

interface Conversation {
  chat: MemoryMessage[];
  layout: PromptLayoutState | null;
  prompts: TurnPrompt[];
}

function input(conversation: Conversation, userMessage: string, overrides: Partial<TurnPromptInput> = {}): TurnPromptInput {
  return {
    systemPrompt: "You are Recall.",
    episodes,
    profile,
    summary,
    chat: conversation.chat,
    recall: (inPrompt) => archive.filter((turn) => !inPrompt.has(turn.id)),
    turnById: (id) => archiveById.get(id) ?? conversation.chat.find((message) => message.id === id),
    userMessage,
    budgetTokens: 400,
    bufferSize: 10,
    previous: conversation.layout,
    ...overrides,
  };
}

/** One turn: build the prompt, then append the user's message and a reply to the chat. */
function turn(conversation: Conversation, index: number, overrides: Partial<TurnPromptInput> = {}): TurnPrompt {
  const userMessage = `Question ${index}: what about topic ${index}?`;
  const prompt = buildTurnPrompt(input(conversation, userMessage, overrides), wordCounter);
  conversation.chat.push(
    { id: `u${index}`, role: "user", content: userMessage, createdAt: at(100 + 2 * index) },
    { id: `a${index}`, role: "assistant", content: `Answer ${index}, with a few words of detail about topic ${index}.`, createdAt: at(101 + 2 * index) },
  );
  conversation.layout = prompt.layout;
  conversation.prompts.push(prompt);
  return prompt;
}

function newConversation(): Conversation {
  return { chat: [], layout: null, prompts: [] };
}

/** The previous prompt, with the reply the model wrote, is the start of the next one. */
function extendsPrevious(previous: readonly PromptMessage[], next: readonly PromptMessage[], reply: string): boolean {
  const expected = [...previous, { role: "assistant", content: reply }];
  return expected.every((message, index) => next[index]?.role === message.role && next[index]?.content === message.content);
}

describe("buildTurnPrompt", () => {
  it("lays out system prompt, frame, chat, this turn's recall, then the message", () => {
    const conversation = newConversation();
    const prompt = turn(conversation, 0);
    expect(prompt.decision).toEqual({ kind: "rebuilt", reason: "first-turn" });
    expect(prompt.messages.map((message) => message.role)).toEqual(["system", "system", "system", "user"]);
    expect(prompt.messages[1]?.content).toBe(renderFrame(episodes, profile, summary.text));
    expect(prompt.messages[2]?.content).toContain("## Earlier messages that may be relevant");
    expect(prompt.layout.anchorId).toBeNull();
    expect(prompt.totalTokens).toBeLessThanOrEqual(400);
  });

  it("extends the previous prompt turn after turn until the budget fills, then rebuilds once", () => {
    const conversation = newConversation();
    for (let index = 0; index < 30; index += 1) turn(conversation, index);
    const decisions = conversation.prompts.map((prompt) => prompt.decision.kind);
    expect(decisions.filter((kind) => kind === "continued").length).toBeGreaterThan(20);
    for (let index = 1; index < conversation.prompts.length; index += 1) {
      const prompt = conversation.prompts[index]!;
      expect(prompt.totalTokens).toBeLessThanOrEqual(400);
      if (prompt.decision.kind === "continued" && !prompt.decision.droppedRecall) {
        expect(extendsPrevious(conversation.prompts[index - 1]!.messages, prompt.messages, conversation.chat[2 * index - 1]!.content)).toBe(true);
      }
    }
    const rebuilds = conversation.prompts.slice(1).filter((prompt) => prompt.decision.kind === "rebuilt");
    expect(rebuilds.length).toBeGreaterThan(0);
    expect(rebuilds.every((prompt) => prompt.decision.kind === "rebuilt" && prompt.decision.reason === "budget-full")).toBe(true);
    // A rebuild keeps the recent chat verbatim (at least the last exchange) and moves the anchor.
    const rebuilt = rebuilds[0]!;
    expect(rebuilt.layout.anchorId).not.toBeNull();
    expect(rebuilt.messages.some((message) => message.content.startsWith("Answer"))).toBe(true);
  });

  it("gives a continuing turn's document passages room, and keeps earlier turns' passages where they were put", () => {
    const conversation = newConversation();
    // A passage of about 60 tokens: recall's share of a continuing turn (0.08 of 1,000) would hold none.
    const passageText = (index: number) => `Report page ${index}: the pump pressure was ${index * 10} bar during the ${"long ".repeat(20)}test run.`;
    const passages = new Map(Array.from({ length: 6 }, (_, index) => [`p${index}`, { id: `p${index}`, documentId: "d1", text: passageText(index), score: 6 - index }]));
    const withPassages = (ids: string[]) => ({
      budgetTokens: 1000,
      passages: ids.map((id) => passages.get(id)!),
      passageById: (id: string) => passages.get(id),
      recall: () => [],
    });
    turn(conversation, 0, withPassages([]));
    const second = turn(conversation, 1, withPassages(["p0", "p1"]));
    expect(second.decision.kind).toBe("continued");
    const block = second.messages.at(-2)!;
    expect(block.role).toBe("system");
    expect(block.content).toContain("[1] Report page 0");
    expect(block.content).toContain("[2] Report page 1");
    expect(second.layout.blocks.at(-1)!.passageIds).toEqual(["p0", "p1"]);
    // The next turn brings other passages; the earlier block is rendered again byte for byte.
    const third = turn(conversation, 2, withPassages(["p2"]));
    expect(third.decision.kind).toBe("continued");
    expect(extendsPrevious(second.messages, third.messages, conversation.chat[3]!.content)).toBe(true);
    expect(third.messages.at(-2)!.content).toContain("[1] Report page 2");
  });

  it("never puts a turn in the prompt twice: what earlier turns recalled is left out of this turn's recall", () => {
    const conversation = newConversation();
    turn(conversation, 0);
    const second = turn(conversation, 1);
    expect(second.decision.kind).toBe("continued");
    const lines = second.messages.flatMap((message) => message.content.split("\n")).filter((line) => line.includes("Archived turn"));
    expect(new Set(lines).size).toBe(lines.length);
  });

  it("keeps profile facts learned during the chat out of the frame until the next rebuild", () => {
    const conversation = newConversation();
    turn(conversation, 0);
    const grown = [...profile, { id: "f2", kind: "role", value: "engineer" }];
    const next = turn(conversation, 1, { profile: grown });
    expect(next.decision.kind).toBe("continued");
    expect(next.messages[1]?.content).not.toContain("engineer");
  });

  it("rebuilds when the user edits or deletes what the frame shows", () => {
    const edited = newConversation();
    turn(edited, 0);
    expect(turn(edited, 1, { profile: [{ id: "f1", kind: "name", value: "Ada Lovelace" }] }).decision).toEqual({ kind: "rebuilt", reason: "memory-changed" });
    expect(edited.prompts[1]?.messages[1]?.content).toContain("Ada Lovelace");

    const deleted = newConversation();
    turn(deleted, 0);
    expect(turn(deleted, 1, { episodes: [] }).decision).toEqual({ kind: "rebuilt", reason: "memory-changed" });
    expect(deleted.prompts[1]?.messages.some((message) => message.content.includes("Lisbon"))).toBe(false);
  });

  it("lays the prompt out afresh with a newer running summary, and only then", () => {
    const conversation = newConversation();
    turn(conversation, 0);
    expect(turn(conversation, 1).decision.kind).toBe("continued");
    const newer = { text: "A newer summary.", coveredMessageIds: ["s1"] };
    const rebuilt = turn(conversation, 2, { summary: newer });
    expect(rebuilt.decision).toEqual({ kind: "rebuilt", reason: "summary-updated" });
    expect(rebuilt.messages[1]?.content).toContain("A newer summary.");
    expect(turn(conversation, 3, { summary: newer }).decision.kind).toBe("continued");
  });

  it("tells a message that points back from one that does not", () => {
    expect(referencesThePast("Remind me, when is my sister's wedding?")).toBe(true);
    expect(referencesThePast("What did I say about the kettle last week?")).toBe(true);
    expect(referencesThePast("How do I keep basil fresh?")).toBe(false);
  });

  it("recalls on a continuing turn only what shares several of the message's words, unless the message points back", () => {
    const conversation = newConversation();
    turn(conversation, 0, { recall: () => [] });
    const weak: ContextRecalledTurn = { id: "w1", role: "user", content: "The sister of a friend sings.", createdAt: at(1), score: 5 };
    const byId = (id: string) => (id === "w1" ? weak : conversation.chat.find((message) => message.id === id));
    const plain = buildTurnPrompt({ ...input(conversation, "Is my sister's wedding in June?"), recall: () => [weak], turnById: byId }, wordCounter);
    expect(plain.decision.kind).toBe("continued");
    expect(plain.layers.find((layer) => layer.layer === "recalled")?.ids).toEqual([]);
    const pointing = buildTurnPrompt({ ...input(conversation, "Remind me: is my sister's wedding in June?"), recall: () => [weak], turnById: byId }, wordCounter);
    expect(pointing.layers.find((layer) => layer.layer === "recalled")?.ids).toEqual(["w1"]);
  });

  it("asks for a summary only when the prompt is close to its budget", () => {
    expect(summaryDue({ totalTokens: 850, budgetTokens: 1000 })).toBe(false);
    expect(summaryDue({ totalTokens: 900, budgetTokens: 1000 })).toBe(true);
  });

  it("rebuilds when the anchor is not on the branch any more (an edit before it)", () => {
    const conversation = newConversation();
    for (let index = 0; index < 30; index += 1) turn(conversation, index);
    const anchored = conversation.prompts.findLast((prompt) => prompt.layout.anchorId !== null)!;
    const otherBranch = conversation.chat.filter((message) => message.id !== anchored.layout.anchorId);
    const prompt = buildTurnPrompt({ ...input(conversation, "Edited question"), chat: otherBranch, previous: anchored.layout }, wordCounter);
    expect(prompt.decision).toEqual({ kind: "rebuilt", reason: "branch-changed" });
  });

  it("renders an earlier turn's recall without a turn that was deleted since, and goes on", () => {
    const conversation = newConversation();
    turn(conversation, 0);
    const recalledId = conversation.layout!.blocks[0]!.recalled[0]!.id;
    const prompt = buildTurnPrompt(
      {
        ...input(conversation, "Next"),
        recall: (inPrompt) => archive.filter((turn) => turn.id !== recalledId && !inPrompt.has(turn.id)),
        turnById: (id) => (id === recalledId ? undefined : (archiveById.get(id) ?? conversation.chat.find((message) => message.id === id))),
      },
      wordCounter,
    );
    expect(prompt.decision.kind).toBe("continued");
    expect(prompt.messages.some((message) => message.content.includes(archiveById.get(recalledId)!.content))).toBe(false);
  });

  it("is deterministic: the same input renders the same bytes", () => {
    const first = newConversation();
    const second = newConversation();
    for (let index = 0; index < 12; index += 1) {
      turn(first, index);
      turn(second, index);
    }
    expect(JSON.stringify(first.prompts.map((prompt) => prompt.messages))).toBe(JSON.stringify(second.prompts.map((prompt) => prompt.messages)));
  });

  it("starts afresh from a layout it cannot continue (cut messages, unknown version)", () => {
    const conversation = newConversation();
    turn(conversation, 0);
    const stale = { ...conversation.layout!, appendable: false };
    expect(buildTurnPrompt({ ...input(conversation, "Next"), previous: stale }, wordCounter).decision).toEqual({ kind: "rebuilt", reason: "not-appendable" });
    const future = { ...conversation.layout!, version: 2 } as unknown as PromptLayoutState;
    expect(buildTurnPrompt({ ...input(conversation, "Next"), previous: future }, wordCounter).decision).toEqual({ kind: "rebuilt", reason: "incompatible-state" });
  });
});
