import { beforeEach, describe, expect, it } from "vitest";
import { generateConversationSet, type ConversationSet } from "./conversation-generator.ts";
import { historyBefore, scoreEvidenceCoverage } from "./evidence-coverage.ts";

let set: ConversationSet;

beforeEach(() => {
  set = generateConversationSet({ seed: 5, sessions: 12, turnsPerSession: [8, 14], startDate: new Date("2026-03-01T08:00:00Z"), questionCount: 30, style: "realistic" });
});

describe("historyBefore", () => {
  it("holds every evidence turn and nothing said at or after the question", () => {
    for (const question of set.questions) {
      const history = historyBefore(set, question);
      const ids = new Set(history.map((message) => message.id));
      expect(question.evidenceMessageIds.every((id) => ids.has(id))).toBe(true);
      expect(history.every((message) => message.createdAt < question.askedAt)).toBe(true);
    }
  });
});

describe("scoreEvidenceCoverage", () => {
  it("scores the full history as complete and an empty context as nothing", () => {
    const full = scoreEvidenceCoverage(set.questions, (question) => new Set(historyBefore(set, question).map((message) => message.id)));
    expect(full.filter((row) => row.questions > 0).every((row) => row.share === 1)).toBe(true);
    expect(full.filter((row) => row.questions === 0)).toEqual([]);
    const empty = scoreEvidenceCoverage(set.questions, () => new Set());
    expect(empty.find((row) => row.type === "all")).toMatchObject({ questions: 30, covered: 0, share: 0 });
  });

  it("counts a two-fact question with one of its turns as missed", () => {
    const twoFacts = set.questions.filter((question) => question.type === "two-facts");
    const rows = scoreEvidenceCoverage(twoFacts, (question) => new Set(question.evidenceMessageIds.slice(0, 1)));
    expect(rows.find((row) => row.type === "two-facts")).toMatchObject({ questions: twoFacts.length, covered: 0 });
  });

  it("flags changed facts answered only by an outdated turn", () => {
    const changed = set.questions.filter((question) => question.type === "changed-fact");
    const rows = scoreEvidenceCoverage(changed, (question) => new Set(question.supersededMessageIds));
    expect(rows.find((row) => row.type === "changed-fact")).toMatchObject({ covered: 0, staleOnly: changed.length });
  });
});
