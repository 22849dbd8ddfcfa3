/**
 * Combining rankings: BM25 over words and, when an embedding model is available,
 * similarity of embedding vectors (computed outside this package, which does no I/O).
 */

export interface FusedResult {
  id: string;
  score: number;
}

export interface FuseRankingsOptions {
  /** Damps the weight of the top ranks; 60 is the value from the original RRF paper. */
  k?: number;
  /** One weight per ranking (default 1 each). */
  weights?: readonly number[];
}

/**
 * Reciprocal rank fusion: each id scores the sum over rankings of weight / (k + rank),
 * rank counted from 1. Only ranks matter, so BM25 scores and cosine similarities need
 * no common scale. An id repeated within one ranking counts at its first rank. Ties
 * keep the order in which ids first appear (the first ranking, best rank first).
 */
export function fuseRankings(
  rankings: ReadonlyArray<ReadonlyArray<{ id: string }>>,
  options: FuseRankingsOptions = {},
): FusedResult[] {
  const k = options.k ?? 60;
  if (!Number.isFinite(k) || k < 0) throw new RangeError(`Rank fusion needs k >= 0; got ${k}.`);
  const weights = options.weights;
  if (weights !== undefined && weights.length !== rankings.length) {
    throw new RangeError(`Rank fusion got ${weights.length} weights for ${rankings.length} rankings.`);
  }
  const scores = new Map<string, number>();
  rankings.forEach((ranking, rankingIndex) => {
    const weight = weights?.[rankingIndex] ?? 1;
    const seen = new Set<string>();
    ranking.forEach(({ id }, position) => {
      if (seen.has(id)) return;
      seen.add(id);
      scores.set(id, (scores.get(id) ?? 0) + weight / (k + position + 1));
    });
  });
  // Array.prototype.sort is stable, so equal scores keep first-appearance order.
  return [...scores].map(([id, score]) => ({ id, score })).sort((left, right) => right.score - left.score);
}

/** Cosine of the angle between two vectors; 0 when either is all zeros. */
export function cosineSimilarity(left: ArrayLike<number>, right: ArrayLike<number>): number {
  if (left.length !== right.length) {
    throw new RangeError(`Cannot compare vectors of ${left.length} and ${right.length} dimensions.`);
  }
  let dot = 0;
  let leftSquares = 0;
  let rightSquares = 0;
  for (let index = 0; index < left.length; index += 1) {
    const leftValue = left[index]!;
    const rightValue = right[index]!;
    dot += leftValue * rightValue;
    leftSquares += leftValue * leftValue;
    rightSquares += rightValue * rightValue;
  }
  if (leftSquares === 0 || rightSquares === 0) return 0;
  return dot / Math.sqrt(leftSquares * rightSquares);
}

/**
 * The `limit` candidates most similar to the query vector, best first; equal
 * similarities keep the candidates' order. The caller filters candidates (working
 * buffer, other sessions) as it does for the BM25 search, so both rankings agree.
 */
export function rankByEmbedding(
  queryVector: ArrayLike<number>,
  candidates: ReadonlyArray<{ id: string; vector: ArrayLike<number> }>,
  limit: number,
): FusedResult[] {
  if (!Number.isInteger(limit) || limit < 0) {
    throw new RangeError(`An embedding ranking returns a whole number of results; got ${limit}.`);
  }
  return candidates
    .map((candidate) => ({ id: candidate.id, score: cosineSimilarity(queryVector, candidate.vector) }))
    .sort((left, right) => right.score - left.score)
    .slice(0, limit);
}
