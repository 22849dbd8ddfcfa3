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
