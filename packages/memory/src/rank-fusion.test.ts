import { describe, expect, it } from "vitest";
import { cosineSimilarity, fuseRankings, rankByEmbedding } from "./rank-fusion.ts";

function ids(...values: string[]): Array<{ id: string }> {
  return values.map((id) => ({ id }));
}

describe("fuseRankings", () => {
  it("sums 1 / (k + rank) over rankings", () => {
    // a: 1/61 + 1/63, b: 1/62 + 1/61, c: 1/63, d: 1/62
    const fused = fuseRankings([ids("a", "b", "c"), ids("b", "d", "a")]);
    expect(fused.map((result) => result.id)).toEqual(["b", "a", "d", "c"]);
    expect(fused[0]!.score).toBeCloseTo(1 / 62 + 1 / 61, 12);
    expect(fused[1]!.score).toBeCloseTo(1 / 61 + 1 / 63, 12);
    expect(fused[2]!.score).toBeCloseTo(1 / 62, 12);
    expect(fused[3]!.score).toBeCloseTo(1 / 63, 12);
  });

  it("applies k and per-ranking weights", () => {
    // k = 1: a = 2/2 + 1/3 = 1.3333, b = 2/3 + 1/2 = 1.1667
    const fused = fuseRankings([ids("a", "b"), ids("b", "a")], { k: 1, weights: [2, 1] });
    expect(fused).toEqual([
      { id: "a", score: expect.closeTo(4 / 3, 12) },
      { id: "b", score: expect.closeTo(7 / 6, 12) },
    ]);
  });

  it("counts an id repeated within one ranking at its first rank", () => {
    expect(fuseRankings([ids("a", "a", "b")], { k: 0 })).toEqual([
      { id: "a", score: 1 },
      { id: "b", score: 1 / 3 },
    ]);
  });

  it("breaks ties by first appearance, the same way every time", () => {
    const fused = fuseRankings([ids("x", "y"), ids("y", "x")]);
    expect(fused.map((result) => result.id)).toEqual(["x", "y"]);
    expect(fused[0]!.score).toBe(fused[1]!.score);
  });

  it("returns nothing for no rankings and refuses mismatched weights", () => {
    expect(fuseRankings([])).toEqual([]);
    expect(() => fuseRankings([ids("a")], { weights: [1, 2] })).toThrow(RangeError);
    expect(() => fuseRankings([ids("a")], { k: -1 })).toThrow(RangeError);
  });
});

describe("cosineSimilarity", () => {
  it("measures the angle, not the length", () => {
    expect(cosineSimilarity([1, 0], [5, 0])).toBeCloseTo(1, 12);
    expect(cosineSimilarity([1, 0], [0, 3])).toBeCloseTo(0, 12);
    expect(cosineSimilarity([1, 0], [-2, 0])).toBeCloseTo(-1, 12);
    expect(cosineSimilarity([1, 2, 2], [2, 1, 2])).toBeCloseTo(8 / 9, 12);
    expect(cosineSimilarity(new Float32Array([3, 4]), [4, 3])).toBeCloseTo(24 / 25, 6);
  });

  it("returns 0 for a zero vector and refuses different dimensions", () => {
    expect(cosineSimilarity([0, 0], [1, 1])).toBe(0);
    expect(() => cosineSimilarity([1, 2], [1, 2, 3])).toThrow(RangeError);
  });
});

describe("rankByEmbedding", () => {
  const candidates = [
    { id: "east", vector: [1, 0] },
    { id: "north", vector: [0, 1] },
    { id: "north-east", vector: [1, 1] },
    { id: "west", vector: [-1, 0] },
    { id: "also-east", vector: [2, 0] },
  ];

  it("ranks by cosine similarity, keeps input order on ties and stops at the limit", () => {
    const ranked = rankByEmbedding([1, 0.1], candidates, 4);
    expect(ranked.map((result) => result.id)).toEqual(["east", "also-east", "north-east", "north"]);
    expect(ranked[2]!.score).toBeCloseTo(1.1 / (Math.sqrt(1.01) * Math.SQRT2), 12);
  });

  it("feeds fuseRankings directly", () => {
    const bm25 = ids("north", "west");
    const embedding = rankByEmbedding([0, 1], candidates, 2);
    expect(fuseRankings([bm25, embedding])[0]!.id).toBe("north");
  });

  it("returns nothing for a zero limit and refuses a negative one", () => {
    expect(rankByEmbedding([1, 0], candidates, 0)).toEqual([]);
    expect(() => rankByEmbedding([1, 0], candidates, -1)).toThrow(RangeError);
  });
});
