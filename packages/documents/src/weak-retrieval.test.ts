import { describe, expect, it } from "vitest";
import { isRetrievalWeak, judgePassages } from "./weak-retrieval.ts";

const hit = (text: string, vectorSimilarity: number | null = null) => ({ text, bm25Rank: 1, vectorSimilarity });

describe("judgePassages", () => {
  it("finds a passage that shares most of the question's content terms convincing", () => {
    const [judgement] = judgePassages("What is the maximum operating pressure of the Halden pump?", [
      hit("After the March review the maximum operating pressure of the Halden pump was set at 14.5 bar."),
    ]);
    expect(judgement).toMatchObject({ convincing: true, reason: "terms" });
    expect(judgement!.matchedTerms).toEqual(["maximum", "oper", "pressur", "halden", "pump"]);
  });

  it("does not trust a passage that only names the question's entity", () => {
    const judgements = judgePassages("Who signed the maintenance contract for the Halden pump?", [
      hit("The Halden pump was installed at the Tarsk site in 2021 and painted green."),
      hit("Quarterly figures for the northern region rose by four percent."),
    ]);
    expect(judgements.map((judgement) => judgement.convincing)).toEqual([false, false]);
    expect(isRetrievalWeak(judgements)).toBe(true);
  });

  it("accepts a short query when most of its terms match", () => {
    expect(judgePassages("Halden warranty?", [hit("The Halden warranty runs for 36 months.")])[0]).toMatchObject({ convincing: true, reason: "share" });
    // One term of two is half of the query, not enough.
    expect(judgePassages("Halden warranty?", [hit("The Halden pump is green.")])[0]!.convincing).toBe(false);
    // A one-term query is answered by a passage with that term.
    expect(judgePassages("Halden?", [hit("The Halden pump is green.")])[0]!.convincing).toBe(true);
  });

  it("lets a close embedding vouch for a passage that shares no words", () => {
    const judgements = judgePassages("How hard can the pump push?", [hit("Rated for 14.5 bar at the inlet.", 0.86), hit("Painted green.", 0.41)]);
    expect(judgements.map((judgement) => judgement.reason)).toEqual(["vector", "weak"]);
    expect(isRetrievalWeak(judgements)).toBe(false);
  });

  it("finds nothing convincing for a query without content terms, and honours custom thresholds", () => {
    expect(judgePassages("What is it?", [hit("It is what it is.")])[0]!.convincing).toBe(false);
    const strict = judgePassages("maximum pressure Halden pump", [hit("maximum pressure of the Halden valve")], { minMatchedTerms: 4, minShare: 0.9 });
    expect(strict[0]!.convincing).toBe(false);
  });
});
