import { beforeEach, describe, expect, it } from "vitest";
import { assembleMemoryContext, defaultMessageOverheadTokens, measurePromptTokens, type MemoryContext, type MemoryContextInput } from "./assemble-context.ts";
import { contextSectionHeadings, replyCutMarker, summaryShortenedMarker } from "./context-sections.ts";
import { approximateTokenCounter, type MemoryMessage, type TokenCounter } from "./ports.ts";

/** One token per word and per punctuation mark: deterministic, and close to additive like real tokenizers. */
const wordCounter: TokenCounter = { count: (text) => text.match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu)?.length ?? 0 };

/** Line breaks are expensive here, so joining pieces costs more than their sum. */
const newlineHeavyCounter: TokenCounter = { count: (text) => wordCounter.count(text) + 3 * (text.match(/\n/g)?.length ?? 0) };

const day = (index: number): Date => new Date(Date.UTC(2026, 0, 1 + index));

function chat(count: number, prefix = "m"): MemoryMessage[] {
  return Array.from({ length: count }, (_, index) => ({
    id: `${prefix}${index}`,
    role: index % 2 === 0 ? "user" : "assistant",
    content: `Message ${index} talks about topic ${index}. It has a second sentence too.`,
    createdAt: day(index),
  }));
}

function fullInput(): MemoryContextInput {
  return {
    systemPrompt: "You are Recall. Use the memory below when it helps.",
    episodes: [
      { id: "e2", sessionId: "s2", summary: "They planned a trip to Lisbon.", facts: ["Flies on May 3"], createdAt: day(20) },
      { id: "e1", sessionId: "s1", summary: "They debugged a Rust program.", facts: ["Uses tokio", "Likes clippy"], createdAt: day(10) },
    ],
    profile: [
      { id: "f1", kind: "name", value: "Ada" },
      { id: "f2", kind: "role", value: "engineer" },
    ],
    summary: { text: "Ada asked about tea. She prefers green tea. Later she asked about kettles. She chose a glass one.", coveredMessageIds: ["old1", "old2"] },
    recalled: [
      { id: "r1", role: "user", content: "My cat is called Pixel.", createdAt: day(3), score: 0.9 },
      { id: "r2", role: "assistant", content: "Pixel is a lovely name.", createdAt: day(4), score: 0.2 },
      { id: "r3", role: "user", content: "Pixel likes tuna.", createdAt: day(2), score: 0.5 },
    ],
    passages: [
      { id: "p1", documentId: "d1", text: "Chapter one: kettles boil water.", score: 0.7 },
      { id: "p2", documentId: "d1", text: "Chapter two: glass kettles show the water.", score: 0.9 },
      { id: "p3", documentId: "d2", text: "Green tea wants cooler water.", score: 0.5 },
      { id: "p4", documentId: "d2", text: "Black tea wants boiling water.", score: 0.3 },
      { id: "p5", documentId: "d2", text: "Oolong sits in between.", score: 0.1 },
    ],
    buffer: chat(6),
    userMessage: "What should I name my next cat?",
    budgetTokens: 10_000,
    bufferSize: 10,
  };
}

function memoryMessage(context: MemoryContext): string {
  const systemMessages = context.messages.filter((message) => message.role === "system");
  return systemMessages.length === 2 ? (systemMessages[1]?.content ?? "") : "";
}

function usage(context: MemoryContext, layer: string): { tokens: number; ids: string[] } {
  const found = context.layers.find((entry) => entry.layer === layer);
  if (found === undefined) throw new Error(`no layer ${layer}`);
  return found;
}

function untrimmedTotal(input: MemoryContextInput, counter: TokenCounter = wordCounter): number {
  return assembleMemoryContext({ ...input, budgetTokens: 1_000_000 }, counter).totalTokens;
}

let input: MemoryContextInput;
beforeEach(() => {
  input = fullInput();
});

describe("assembleMemoryContext: layout", () => {
  it("puts system, memory sections in order, the buffer verbatim and the user's message last", () => {
    const context = assembleMemoryContext(input, wordCounter);

    expect(context.messages[0]).toEqual({ role: "system", content: input.systemPrompt });
    const memory = memoryMessage(context);
    const headingPositions = Object.values(contextSectionHeadings).map((heading) => memory.indexOf(heading));
    expect(headingPositions.every((position) => position >= 0)).toBe(true);
    expect(headingPositions).toEqual(headingPositions.toSorted((left, right) => left - right));
    expect(context.messages.slice(2, -1)).toEqual(input.buffer.map((message) => ({ role: message.role, content: message.content })));
    expect(context.messages.at(-1)).toEqual({ role: "user", content: input.userMessage });
    expect(context.trimmed).toEqual([]);
    expect(context.overBudget).toBe(false);
  });

  it("shows episodes and recalled turns in time order and passages by rank", () => {
    const memory = memoryMessage(assembleMemoryContext(input, wordCounter));
    expect(memory.indexOf("Rust")).toBeLessThan(memory.indexOf("Lisbon"));
    expect(memory.indexOf("Pixel likes tuna")).toBeLessThan(memory.indexOf("My cat is called Pixel"));
    expect(memory).toContain("- 2026-01-11: They debugged a Rust program.\n  Key facts: Uses tokio; Likes clippy");
    expect(memory).toContain("[1] Chapter two");
    expect(memory).toContain("[5] Oolong");
  });

  it("reports per layer the ids it drew on", () => {
    const context = assembleMemoryContext(input, wordCounter);
    expect(context.layers.map((entry) => entry.layer)).toEqual(["system", "episodic", "profile", "summary", "recalled", "passages", "buffer", "user"]);
    expect(usage(context, "episodic").ids).toEqual(["e1", "e2"]);
    expect(usage(context, "profile").ids).toEqual(["f1", "f2"]);
    expect(usage(context, "summary").ids).toEqual(["old1", "old2"]);
    expect(usage(context, "recalled").ids).toEqual(["r3", "r1", "r2"]);
    expect(usage(context, "passages").ids).toEqual(["p2", "p1", "p3", "p4", "p5"]);
    expect(usage(context, "buffer").ids).toEqual(["m0", "m1", "m2", "m3", "m4", "m5"]);
  });

  it("counts every message with its overhead, and the layers add up to the total for an additive counter", () => {
    const context = assembleMemoryContext(input, wordCounter);
    expect(context.totalTokens).toBe(measurePromptTokens(context.messages, wordCounter));
    expect(context.layers.reduce((sum, entry) => sum + entry.tokens, 0)).toBe(context.totalTokens);
    expect(usage(context, "user").tokens).toBe(wordCounter.count(input.userMessage) + defaultMessageOverheadTokens);
  });

  it("writes no heading for an empty layer, and no memory message when every layer is empty", () => {
    const onlyProfile = assembleMemoryContext({ ...input, episodes: [], summary: null, recalled: [], passages: [] }, wordCounter);
    expect(memoryMessage(onlyProfile)).toBe(`${contextSectionHeadings.profile}\n- name: Ada\n- role: engineer`);

    const blankPieces = assembleMemoryContext(
      {
        ...input,
        episodes: [{ id: "e", sessionId: "s", summary: " ", facts: [""], createdAt: day(0) }],
        profile: [{ id: "f", kind: "name", value: "  " }],
        summary: { text: "", coveredMessageIds: [] },
        recalled: [],
        passages: [{ id: "p", documentId: "d", text: "\n", score: 1 }],
      },
      wordCounter,
    );
    expect(blankPieces.messages.filter((message) => message.role === "system")).toHaveLength(1);
    expect(blankPieces.layers.filter((entry) => entry.layer !== "system" && entry.layer !== "buffer" && entry.layer !== "user")).toEqual(
      ["episodic", "profile", "summary", "recalled", "passages"].map((layer) => ({ layer, tokens: 0, ids: [] })),
    );
  });

  it("does not recall a turn that is already in the buffer", () => {
    const duplicate = { ...input.buffer[2]!, score: 5 };
    const context = assembleMemoryContext({ ...input, recalled: [...input.recalled, duplicate] }, wordCounter);
    expect(usage(context, "recalled").ids).not.toContain(duplicate.id);
  });

  it("uses only the last bufferSize messages and honours the passage limit", () => {
    const context = assembleMemoryContext({ ...input, bufferSize: 2, passageLimit: 2 }, wordCounter);
    expect(usage(context, "buffer").ids).toEqual(["m4", "m5"]);
    expect(usage(context, "passages").ids).toEqual(["p2", "p1"]);
    expect(context.trimmed).toEqual([]);
  });

  it("refuses a budget or limits that make no sense", () => {
    expect(() => assembleMemoryContext({ ...input, budgetTokens: 0 }, wordCounter)).toThrow(RangeError);
    expect(() => assembleMemoryContext({ ...input, passageLimit: -1 }, wordCounter)).toThrow(RangeError);
    expect(() => assembleMemoryContext({ ...input, bufferSize: 0 }, wordCounter)).toThrow(RangeError);
  });
});

describe("assembleMemoryContext: trimming", () => {
  it("trims nothing when the prompt fits exactly", () => {
    const total = untrimmedTotal(input);
    const context = assembleMemoryContext({ ...input, budgetTokens: total }, wordCounter);
    expect(context.totalTokens).toBe(total);
    expect(context.trimmed).toEqual([]);
  });

  it("first keeps 3 of 5 passages and touches nothing else when that is enough", () => {
    const context = assembleMemoryContext({ ...input, budgetTokens: untrimmedTotal(input) - 1 }, wordCounter);
    expect(context.trimmed).toEqual([
      { layer: "passages", what: "kept 3 of 5 document passages (lowest ranked dropped)", ids: ["p4", "p5"], why: "the prompt was 1 tokens over its budget of " + context.budgetTokens },
    ]);
    expect(usage(context, "passages").ids).toEqual(["p2", "p1", "p3"]);
    expect(usage(context, "recalled").ids).toEqual(["r3", "r1", "r2"]);
    expect(memoryMessage(context)).not.toContain("Oolong");
  });

  it("then drops recalled turns lowest score first, before touching the summary", () => {
    const withoutPassages = { ...input, passages: [] };
    const context = assembleMemoryContext({ ...withoutPassages, budgetTokens: untrimmedTotal(withoutPassages) - 1 }, wordCounter);
    expect(context.trimmed.map((part) => [part.layer, part.ids])).toEqual([["recalled", ["r2"]]]);
    expect(usage(context, "summary").ids).toEqual(["old1", "old2"]);
    expect(memoryMessage(context)).not.toContain(summaryShortenedMarker);
  });

  it("shortens the summary at a sentence boundary and marks the cut", () => {
    const onlySummary = { ...input, passages: [], recalled: [] };
    const context = assembleMemoryContext({ ...onlySummary, budgetTokens: untrimmedTotal(onlySummary) - 1 }, wordCounter);
    expect(context.trimmed.map((part) => part.layer)).toEqual(["summary"]);
    expect(context.trimmed[0]?.what).toBe("shortened the running summary to 3 of 4 sentences");
    expect(memoryMessage(context)).toContain(`She prefers green tea. Later she asked about kettles. ${summaryShortenedMarker}`);
    expect(memoryMessage(context)).not.toContain("glass one");
  });

  it("drops episodes oldest first, then profile facts, then buffer messages oldest first", () => {
    const memoryFree = { ...input, passages: [], recalled: [], summary: null };
    const total = untrimmedTotal(memoryFree);
    const seen: string[][] = [];
    for (let budget = total; budget > 0; budget -= 1) {
      const context = assembleMemoryContext({ ...memoryFree, budgetTokens: budget }, wordCounter);
      seen.push(context.trimmed.flatMap((part) => part.ids));
    }
    const firstDrops = [...new Set(seen.flat())];
    expect(firstDrops.slice(0, 8)).toEqual(["e1", "e2", "f2", "f1", "m0", "m1", "m2", "m3"]);
  });

  it("never drops the last exchange, and cuts the start of the last reply with a marker when it must", () => {
    const longReply = "First part is old. Second part is older news. The final sentence matters most.";
    const buffer = [...chat(4), { id: "a-last", role: "assistant" as const, content: longReply, createdAt: day(9) }];
    buffer[3] = { ...buffer[3]!, role: "user" };
    const minimal = { ...input, buffer, episodes: [], profile: [], summary: null, recalled: [], passages: [] };
    const lastExchange = ["m3", "a-last"];

    const fitsExchange = assembleMemoryContext({ ...minimal, budgetTokens: untrimmedTotal(minimal) - 5 }, wordCounter);
    expect(usage(fitsExchange, "buffer").ids.slice(-2)).toEqual(lastExchange);

    const withoutReply = assembleMemoryContext({ ...minimal, buffer: buffer.slice(0, 4) }, wordCounter);
    const replyBudget = withoutReply.totalTokens - wordCounter.count(buffer[0]!.content) * 3 - 3 * defaultMessageOverheadTokens;
    const cut = assembleMemoryContext({ ...minimal, budgetTokens: replyBudget + 20 }, wordCounter);
    expect(usage(cut, "buffer").ids).toEqual(lastExchange);
    const reply = cut.messages.at(-2)?.content ?? "";
    expect(reply.startsWith(replyCutMarker)).toBe(true);
    expect(reply.endsWith("The final sentence matters most.")).toBe(true);
    expect(reply).not.toContain("First part");
    expect(cut.trimmed.map((part) => part.what)).toEqual(["dropped 3 of 5 buffer messages (oldest first)", "cut the beginning of the last assistant reply"]);
    expect(cut.overBudget).toBe(false);
    expect(cut.totalTokens).toBeLessThanOrEqual(cut.budgetTokens);
  });

  it("keeps a trailing unanswered user message together with the exchange before it", () => {
    const buffer = [...chat(6), { id: "u-retry", role: "user" as const, content: "Are you there?", createdAt: day(9) }];
    const context = assembleMemoryContext({ ...input, buffer, budgetTokens: 10 }, wordCounter);
    expect(usage(context, "buffer").ids).toEqual(["m4", "m5", "u-retry"]);
  });

  it("keeps the last user message when the buffer holds no reply yet", () => {
    const buffer = chat(6).map((message) => ({ ...message, role: "user" as const }));
    const context = assembleMemoryContext({ ...input, buffer, budgetTokens: 10 }, wordCounter);
    expect(usage(context, "buffer").ids).toEqual(["m5"]);
    expect(context.messages.at(-2)?.content).toBe(buffer[5]?.content);
  });

  it("says overBudget, and still keeps the last exchange, when even the minimum does not fit", () => {
    const context = assembleMemoryContext({ ...input, budgetTokens: 10 }, wordCounter);
    expect(context.overBudget).toBe(true);
    expect(context.totalTokens).toBeGreaterThan(10);
    expect(usage(context, "buffer").ids).toEqual(["m4", "m5"]);
    expect(context.messages.at(-2)?.content).toBe(replyCutMarker.trimEnd());
    expect(context.messages.at(-1)).toEqual({ role: "user", content: input.userMessage });
    expect(memoryMessage(context)).toBe("");
  });

  it("trims in the documented order at every budget, each layer only after the ones before it are exhausted", () => {
    const trimOrder = ["passages", "recalled", "summary", "episodic", "profile", "buffer"];
    const total = untrimmedTotal(input);
    let previousKept: Record<string, number> | null = null;
    let previous: MemoryContext | null = null;
    for (let budget = total + 2; budget >= 20; budget -= 1) {
      const context = assembleMemoryContext({ ...input, budgetTokens: budget }, wordCounter);
      // Only when needed: if the roomier result already fit this budget, nothing more may go.
      if (previous !== null && previous.totalTokens <= budget) expect(context.messages).toEqual(previous.messages);
      previous = context;
      const layers = context.trimmed.map((part) => part.layer);
      const order = layers.map((layer) => trimOrder.indexOf(layer));
      expect(order).toEqual(order.toSorted((left, right) => left - right));

      const kept = Object.fromEntries(context.layers.map((entry) => [entry.layer, entry.ids.length]));
      expect([5, 3, 1, 0]).toContain(kept.passages);
      const lastTrimmed = layers.at(-1);
      for (const layer of layers.slice(0, -1).filter((layer) => layer !== lastTrimmed && layer !== "buffer")) expect(kept[layer]).toBe(0);
      if (previousKept !== null) for (const [layer, count] of Object.entries(kept)) expect(count).toBeLessThanOrEqual(previousKept[layer] ?? 0);
      previousKept = kept;

      expect(usage(context, "buffer").ids.slice(-2)).toEqual(["m4", "m5"]);
      expect(context.totalTokens).toBe(measurePromptTokens(context.messages, wordCounter));
      expect(context.totalTokens <= budget).toBe(!context.overBudget);
    }
  });
});

describe("assembleMemoryContext: staying under budget", () => {
  it("keeps a chat of hundreds of messages under budget, with ids matching what the prompt holds", () => {
    const history = chat(600);
    const recalled = history.slice(0, 400).map((message, index) => ({ ...message, score: (index * 37) % 101 }));
    const passages = Array.from({ length: 12 }, (_, index) => ({ id: `p${index}`, documentId: "d", text: `Passage ${index} says something long enough to matter. `.repeat(8), score: index }));
    const context = assembleMemoryContext(
      { ...input, buffer: history, recalled, passages, summary: { text: "A long summary sentence. ".repeat(60), coveredMessageIds: ["m0"] }, budgetTokens: 2000, bufferSize: 20 },
      approximateTokenCounter,
    );

    expect(context.overBudget).toBe(false);
    expect(context.totalTokens).toBeLessThanOrEqual(2000);
    expect(measurePromptTokens(context.messages, approximateTokenCounter)).toBe(context.totalTokens);
    const memory = memoryMessage(context);
    const byId = new Map(history.map((message) => [message.id, message.content]));
    for (const id of usage(context, "recalled").ids) expect(memory).toContain(byId.get(id));
    for (const part of context.trimmed.filter((entry) => entry.layer === "recalled")) for (const id of part.ids) expect(memory).not.toContain(`${byId.get(id)}\n`);
    const bufferContents = context.messages.slice(2, -1).map((message) => message.content);
    expect(usage(context, "buffer").ids.map((id) => byId.get(id))).toEqual(bufferContents);
    expect(usage(context, "buffer").ids.at(-1)).toBe("m599");
  });

  it("never exceeds the budget when joining pieces costs more than their sum", () => {
    const total = untrimmedTotal(input, newlineHeavyCounter);
    for (let budget = total; budget >= 60; budget -= 3) {
      const context = assembleMemoryContext({ ...input, budgetTokens: budget }, newlineHeavyCounter);
      expect(context.overBudget).toBe(false);
      expect(measurePromptTokens(context.messages, newlineHeavyCounter)).toBeLessThanOrEqual(budget);
    }
  });

  it("counts each piece once rather than the whole prompt at every trim step", () => {
    const history = chat(40);
    const recalled = history.slice(0, 20).map((message, index) => ({ ...message, id: `old-${index}`, score: index }));
    let countedCharacters = 0;
    const countingCounter: TokenCounter = {
      count: (text) => {
        countedCharacters += text.length;
        return wordCounter.count(text);
      },
    };
    const context = assembleMemoryContext({ ...input, buffer: history, bufferSize: 20, recalled, budgetTokens: 150 }, countingCounter);
    expect(context.trimmed.length).toBeGreaterThan(4);
    const inputCharacters = [...history.slice(-20), ...recalled].reduce((sum, message) => sum + message.content.length, 0) + 2000;
    expect(countedCharacters).toBeLessThan(3 * inputCharacters);
  });
});
