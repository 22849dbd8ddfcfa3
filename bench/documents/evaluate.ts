import { documentTerms, judgePassages, type DocumentChunk, type JudgePassagesOptions } from "@recall/documents";
import { RecallIndex } from "@recall/memory";
import { containsAnswer } from "./generate.ts";

/**
 * Scores a ranker on a retrieval set. A question is answered at rank r when the r-th chunk
 * returned comes from a relevant document and contains the planted answer text, so relevance
 * needs no chunk ids and any chunker can be compared. Unanswerable questions (no relevant
 * passage) count only for the weak-retrieval judgement.
 */
export interface EvaluationSet {
  documents: ReadonlyArray<{ name: string }>;
  questions: ReadonlyArray<{ id: string; text: string; kind: string; relevant: ReadonlyArray<{ documentIndex: number; answerText: string }> }>;
}

export interface RankableChunk {
  /** `${documentIndex}:${ordinal}` */
  id: string;
  documentIndex: number;
  documentName: string;
  chunk: DocumentChunk;
}

/** Best first; only the first 10 ids are read. The real index plugs in here. */
export type Ranker = (query: string, chunks: readonly RankableChunk[]) => Promise<string[]>;

export interface RetrievalMetrics {
  questions: number;
  recallAt5: number;
  mrrAt10: number;
}

export interface RankerEvaluation {
  overall: RetrievalMetrics;
  byKind: Record<string, RetrievalMetrics>;
  perQuestion: Array<{ id: string; kind: string; firstRelevantRank: number | null; top: string[] }>;
}

export function rankableChunks(set: EvaluationSet, chunksByDocument: ReadonlyArray<readonly DocumentChunk[]>): RankableChunk[] {
  return chunksByDocument.flatMap((chunks, documentIndex) =>
    chunks.map((chunk) => ({ id: `${documentIndex}:${chunk.ordinal}`, documentIndex, documentName: set.documents[documentIndex]!.name, chunk })),
  );
}

export async function evaluateRanker(set: EvaluationSet, chunksByDocument: ReadonlyArray<readonly DocumentChunk[]>, ranker: Ranker): Promise<RankerEvaluation> {
  const chunks = rankableChunks(set, chunksByDocument);
  const byId = new Map(chunks.map((chunk) => [chunk.id, chunk]));
  const perQuestion: RankerEvaluation["perQuestion"] = [];
  for (const question of set.questions) {
    if (question.relevant.length === 0) continue;
    const top = (await ranker(question.text, chunks)).slice(0, 10);
    const position = top.findIndex((id) => {
      const chunk = byId.get(id);
      return chunk !== undefined && question.relevant.some((relevant) => relevant.documentIndex === chunk.documentIndex && containsAnswer(chunk.chunk.text, relevant.answerText));
    });
    perQuestion.push({ id: question.id, kind: question.kind, firstRelevantRank: position === -1 ? null : position + 1, top });
  }
  const byKind: Record<string, RetrievalMetrics> = {};
  for (const kind of [...new Set(perQuestion.map((result) => result.kind))].sort()) {
    byKind[kind] = metrics(perQuestion.filter((result) => result.kind === kind));
  }
  return { overall: metrics(perQuestion), byKind, perQuestion };
}

function metrics(results: ReadonlyArray<{ firstRelevantRank: number | null }>): RetrievalMetrics {
  const count = results.length;
  if (count === 0) return { questions: 0, recallAt5: 0, mrrAt10: 0 };
  const found = results.filter((result) => result.firstRelevantRank !== null && result.firstRelevantRank <= 5).length;
  const reciprocal = results.reduce((sum, result) => sum + (result.firstRelevantRank === null ? 0 : 1 / result.firstRelevantRank), 0);
  return { questions: count, recallAt5: found / count, mrrAt10: reciprocal / count };
}

export interface JudgementAccuracy {
  /** Answerable questions where at least one of the top 5 was judged convincing. */
  answerableTrusted: number;
  answerable: number;
  /** Unanswerable questions where none of the top 5 was judged convincing (retrieval reported weak). */
  unanswerableFlagged: number;
  unanswerable: number;
  /** Answerable questions whose convincing passages include the answer (trusted for the right reason). */
  answerableTrustedWithAnswer: number;
  /** Per kind of unanswerable question: how many were flagged weak, of how many. */
  unanswerableByKind: Record<string, { flagged: number; total: number }>;
}

/** How well `judgePassages` on a ranker's top 5 tells answerable questions from unanswerable ones. */
export async function evaluateJudgement(
  set: EvaluationSet,
  chunksByDocument: ReadonlyArray<readonly DocumentChunk[]>,
  ranker: Ranker,
  options: JudgePassagesOptions = {},
): Promise<JudgementAccuracy> {
  const chunks = rankableChunks(set, chunksByDocument);
  const byId = new Map(chunks.map((chunk) => [chunk.id, chunk]));
  const accuracy: JudgementAccuracy = { answerableTrusted: 0, answerable: 0, unanswerableFlagged: 0, unanswerable: 0, answerableTrustedWithAnswer: 0, unanswerableByKind: {} };
  for (const question of set.questions) {
    const top = (await ranker(question.text, chunks)).slice(0, 5).map((id) => byId.get(id)!);
    const judgements = judgePassages(question.text, top.map((chunk, index) => ({ text: chunk.chunk.text, bm25Rank: index + 1, vectorSimilarity: null })), options);
    const trusted = judgements.some((judgement) => judgement.convincing);
    if (question.relevant.length === 0) {
      accuracy.unanswerable += 1;
      const byKind = (accuracy.unanswerableByKind[question.kind] ??= { flagged: 0, total: 0 });
      byKind.total += 1;
      if (!trusted) {
        accuracy.unanswerableFlagged += 1;
        byKind.flagged += 1;
      }
      continue;
    }
    accuracy.answerable += 1;
    if (!trusted) continue;
    accuracy.answerableTrusted += 1;
    const right = top.some(
      (chunk, index) => judgements[index]!.convincing && question.relevant.some((relevant) => relevant.documentIndex === chunk.documentIndex && containsAnswer(chunk.chunk.text, relevant.answerText)),
    );
    if (right) accuracy.answerableTrustedWithAnswer += 1;
  }
  return accuracy;
}

/**
 * Baseline 1, exact phrases: the chunk holding the longest run of the query's words as one
 * phrase first, then the one holding most of the query's words as substrings. What a plain
 * "find in document" gets you; it has no idea that "launched" and "launch" are one word.
 */
export const substringRanker: Ranker = async (query, chunks) => {
  const words = (query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);
  const scored = chunks.map((chunk) => {
    const haystack = ` ${(chunk.chunk.text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).join(" ")} `;
    let longestRun = 0;
    for (let start = 0; start < words.length; start += 1) {
      for (let end = start + longestRun + 1; end <= words.length; end += 1) {
        if (!haystack.includes(` ${words.slice(start, end).join(" ")} `)) break;
        longestRun = end - start;
      }
    }
    const present = new Set(words.filter((word) => word.length >= 3 && haystack.includes(word))).size;
    return { id: chunk.id, score: longestRun * 1_000 + present };
  });
  return scored.sort((left, right) => right.score - left.score).slice(0, 10).map((result) => result.id);
};

/**
 * Baseline 2, BM25 over `documentTerms`: the memory engine's `RecallIndex` (the same BM25 and
 * the same terms as `documentTerms`), one index per chunk list, built on first use.
 */
export const bm25Ranker: Ranker = async (query, chunks) => {
  let index = bm25Indexes.get(chunks);
  if (index === undefined) {
    index = new RecallIndex({ userTurnWeight: 1 });
    const createdAt = new Date(0);
    for (const chunk of chunks) index.add({ id: chunk.id, sessionId: "documents", role: "assistant", content: chunk.chunk.text, createdAt });
    bm25Indexes.set(chunks, index);
  }
  return index.search(query, { limit: 10, sessionId: "documents" }).map((result) => result.id);
};

const bm25Indexes = new WeakMap<readonly RankableChunk[], RecallIndex>();

/** The chunk's stored terms, for rankers that index on their own (a real index stores these, HMACed). */
export function chunkTerms(chunk: RankableChunk): string[] {
  return documentTerms(chunk.chunk.text);
}
