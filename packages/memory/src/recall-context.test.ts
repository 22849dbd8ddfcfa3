import { describe, expect, it } from "vitest";
import { clipAtSentence, neighbourClippedMarker, recallForContext } from "./recall-context.ts";
import { RecallIndex, type RecallTurn } from "./recall-index.ts";

function turn(id: string, sessionId: string, role: RecallTurn["role"], content: string, minute: number): RecallTurn {
  return { id, sessionId, role, content, createdAt: new Date(Date.UTC(2026, 0, 1, 0, minute)) };
}

describe("recallForContext", () => {
  const longReply = "Congratulations to her. ".repeat(5) + "Summer heat can be tough, so plan shade for the guests. ".repeat(20);
  const turns = [
    turn("fact", "s1", "user", "My sister Anna is getting married in June.", 0),
    turn("reply", "s1", "assistant", longReply, 1),
    turn("noise", "s1", "user", "What should I cook tonight?", 2),
    turn("recent", "s2", "user", "Remind me about my sister's plans.", 3),
  ];
  const index = new RecallIndex();
  for (const entry of turns) index.add(entry);
  const byId = new Map(turns.map((entry) => [entry.id, entry]));

  it("returns the matched turn in full and its neighbour clipped and ranked below it", () => {
    const recalled = recallForContext(index, byId, { query: "When is my sister's wedding?", limit: 5, excludeIds: new Set(["recent"]), sessionId: "s2", includeOtherSessions: true });
    const fact = recalled.find((entry) => entry.id === "fact");
    const reply = recalled.find((entry) => entry.id === "reply");
    expect(fact?.content).toBe("My sister Anna is getting married in June.");
    expect(reply!.content.endsWith(neighbourClippedMarker)).toBe(true);
    expect(reply!.content.length).toBeLessThanOrEqual(400 + neighbourClippedMarker.length);
    expect(reply!.score).toBeCloseTo(fact!.score / 2, 10);
    expect(recalled.some((entry) => entry.id === "recent")).toBe(false);
  });

  it("scores every neighbour below every match and clips assistant neighbours shorter than user ones", () => {
    const chat = [
      turn("q1", "c", "user", "Any tips for the garden?", 0),
      turn("a1", "c", "assistant", `${"Water early in the morning. ".repeat(20)}Any plans for the summer?`, 1),
      turn("u2", "c", "user", `Moving to Lisbon in June. ${"Boxes everywhere. ".repeat(30)}`, 2),
      turn("a2", "c", "assistant", "Exciting!", 3),
      turn("u3", "c", "user", "My summer job starts soon.", 4),
      turn("a3", "c", "assistant", `${"Good luck with it. ".repeat(30)}`, 5),
    ];
    const chatIndex = new RecallIndex();
    for (const entry of chat) chatIndex.add(entry);
    const recalled = recallForContext(chatIndex, new Map(chat.map((entry) => [entry.id, entry])), { query: "my summer plans", excludeIds: new Set(), sessionId: "c", includeOtherSessions: true });
    const byId = new Map(recalled.map((entry) => [entry.id, entry]));
    // a1 matched and asked a question: it brings the turn before it and the user's answer after it.
    expect(recalled.map((entry) => entry.id).sort()).toEqual(["a1", "a3", "q1", "u2", "u3"]);
    const matches = ["a1", "u3"].map((id) => byId.get(id)!.score);
    const neighbours = ["q1", "u2", "a3"].map((id) => byId.get(id)!.score);
    expect(Math.max(...neighbours)).toBeLessThan(Math.min(...matches));
    expect(byId.get("u2")!.score).toBeGreaterThan(byId.get("a3")!.score);
    expect(byId.get("a3")!.content.length).toBeLessThanOrEqual(240 + neighbourClippedMarker.length);
    expect(byId.get("u2")!.content.length).toBeGreaterThan(240);
    expect(byId.get("u2")!.content.length).toBeLessThanOrEqual(400 + neighbourClippedMarker.length);
  });

  it("with a token budget, returns as many matches as fit instead of a fixed number, skipping one that does not fit", () => {
    const many = Array.from({ length: 40 }, (_, position) => turn(`m${position}`, "old", "user", position === 3 ? `Kayak ${"trip ".repeat(200)}` : `Kayak trip number ${position}.`, position));
    const manyIndex = new RecallIndex();
    for (const entry of many) manyIndex.add(entry);
    const byManyId = new Map(many.map((entry) => [entry.id, entry]));
    const counter = { count: (text: string) => Math.ceil(text.length / 4) };
    const options = { query: "kayak trip", excludeIds: new Set<string>(), sessionId: "now", includeOtherSessions: true, tokenCounter: counter };
    expect(recallForContext(manyIndex, byManyId, options)).toHaveLength(16);
    const roomy = recallForContext(manyIndex, byManyId, { ...options, budgetTokens: 400 });
    const cost = 12 + roomy.reduce((sum, entry) => sum + counter.count(`- [2026-01-01, user] ${entry.content}`) + 1, 0);
    expect(roomy.length).toBeGreaterThan(16);
    expect(cost).toBeLessThanOrEqual(400);
    expect(roomy.some((entry) => entry.id === "m3")).toBe(false);
    expect(recallForContext(manyIndex, byManyId, { ...options, budgetTokens: 400, limit: 5 })).toHaveLength(5);
    expect(recallForContext(manyIndex, byManyId, { ...options, budgetTokens: 0 })).toEqual([]);
    expect(() => recallForContext(manyIndex, byManyId, { ...options, budgetTokens: -1 })).toThrow(RangeError);
  });

  it("passes the question's time on, so a period named in the question favours turns from then", () => {
    const day = 86_400_000;
    const asked = new Date(Date.UTC(2026, 2, 23, 12));
    const gigs = [
      { ...turn("early", "g", "user", "Saw a band live, great gig.", 0), createdAt: new Date(asked.getTime() - 30 * day) },
      { ...turn("recent", "g", "user", "Saw a band live, great gig.", 0), createdAt: new Date(asked.getTime() - 14 * day) },
    ];
    const gigIndex = new RecallIndex();
    for (const entry of gigs) gigIndex.add(entry);
    const options = { query: "Which band did I see live two weeks ago?", excludeIds: new Set<string>(), sessionId: "now", includeOtherSessions: true, limit: 1 };
    const byGigId = new Map(gigs.map((entry) => [entry.id, entry]));
    expect(recallForContext(gigIndex, byGigId, options)[0]!.id).toBe("recent");
    expect(recallForContext(gigIndex, byGigId, { ...options, query: "Which band did I see live a month ago?", queryTime: asked })[0]!.id).toBe("early");
  });

  it("stays in the chat when asked to", () => {
    expect(recallForContext(index, byId, { query: "sister wedding", limit: 5, excludeIds: new Set(), sessionId: "s2", includeOtherSessions: false }).map((entry) => entry.id)).toEqual(["recent"]);
  });
});

describe("clipAtSentence", () => {
  it("keeps whole sentences and marks the cut", () => {
    expect(clipAtSentence("One. Two. Three.", 100)).toBe("One. Two. Three.");
    expect(clipAtSentence("First sentence here. Second sentence here.", 25)).toBe(`First sentence here.${neighbourClippedMarker}`);
    // One sentence longer than the limit: cut at a word, still marked.
    expect(clipAtSentence("alpha beta gamma delta epsilon without any full stop", 12)).toBe(`alpha beta${neighbourClippedMarker}`);
  });
});
