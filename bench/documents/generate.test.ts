import { chunkDocument } from "@recall/documents";
import { describe, expect, it } from "vitest";
import { bm25Ranker, evaluateRanker, substringRanker } from "./evaluate.ts";
import { containsAnswer, generateRetrievalSet } from "./generate.ts";
import { loadSquadRetrievalSet } from "./squad/load.ts";

describe("generateRetrievalSet", () => {
  const set = generateRetrievalSet(7);

  it("is the same for the same seed and different for another", () => {
    expect(generateRetrievalSet(7)).toEqual(set);
    expect(generateRetrievalSet(8).questions.map((question) => question.text)).not.toEqual(set.questions.map((question) => question.text));
  });

  it("writes six named documents of 10 to 40 pages with every question kind", () => {
    expect(set.documents).toHaveLength(6);
    for (const document of set.documents) {
      expect(document.pageCount).toBeGreaterThanOrEqual(10);
      expect(document.pageCount).toBeLessThanOrEqual(40);
      expect(document.pages).toHaveLength(document.pageCount);
      expect(document.name).toMatch(/\.pdf$/);
    }
    const kinds = new Set(set.questions.map((question) => question.kind));
    expect([...kinds].sort()).toEqual(["exact-wording", "paraphrase", "single-entity", "unanswerable-in-domain", "unanswerable-off-topic", "word-forms"]);
  });

  it("plants each answer in exactly one block of the document it names", () => {
    for (const question of set.questions) {
      expect(question.relevant.length === 0).toBe(question.kind.startsWith("unanswerable"));
      for (const { documentIndex, answerText } of question.relevant) {
        const blocks = set.documents[documentIndex]!.pages.flatMap((page) => page.blocks).filter((block) => containsAnswer(block.text, answerText));
        expect(blocks).toHaveLength(1);
      }
    }
  });

  it("matches answers as whole words", () => {
    expect(containsAnswer("a warranty of 17 months", "7 months")).toBe(false);
    expect(containsAnswer("a warranty of 7\nmonths.", "7 months")).toBe(true);
  });

  it("is hard enough that neither baseline finds every answer in its top 5", async () => {
    const chunks = set.documents.map((document) => chunkDocument(document));
    for (const ranker of [substringRanker, bm25Ranker]) {
      const evaluation = await evaluateRanker(set, chunks, ranker);
      expect(evaluation.overall.recallAt5).toBeLessThan(0.9);
      expect(evaluation.overall.recallAt5).toBeGreaterThan(0.2);
    }
  });
});

describe("loadSquadRetrievalSet", () => {
  it("loads the five articles with answerable and unanswerable questions whose answer sentence is in the article", () => {
    const squad = loadSquadRetrievalSet();
    expect(squad.documents.map((document) => document.title)).toEqual(["Normans", "Computational complexity theory", "Southern California", "Sky (United Kingdom)", "Victoria (Australia)"]);
    expect(squad.questions).toHaveLength(1_407);
    const answerable = squad.questions.filter((question) => question.relevant.length > 0);
    expect(answerable.length).toBeGreaterThan(600);
    for (const question of answerable) {
      const { documentIndex, answerText } = question.relevant[0]!;
      const text = squad.documents[documentIndex]!.pages.flatMap((page) => page.blocks.map((block) => block.text)).join("\n");
      expect(containsAnswer(text, answerText)).toBe(true);
    }
  });
});
