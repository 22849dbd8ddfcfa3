import { queryTerms } from "./document-terms.ts";

/**
 * Whether what retrieval found can answer the question. BM25 and vector search always return
 * their best matches, even when nothing in the documents is about the question; a small model
 * handed unrelated passages then answers from them anyway. Judging each passage lets the
 * prompt say "nothing convincing was found" so the model asks a follow-up instead of guessing.
 */
export interface PassageHit {
  text: string;
  /** 1-based rank in the BM25 ranking, or null when BM25 did not return it. */
  bm25Rank: number | null;
  /** Cosine similarity to the query's embedding, or null without an embedding model. */
  vectorSimilarity: number | null;
}

export interface PassageJudgement {
  convincing: boolean;
  /** The query's distinct terms (stemmed, as indexed) the passage contains, in query order. */
  matchedTerms: string[];
  /** matchedTerms / the query's distinct terms (0 for a query with no content terms). */
  matchedShare: number;
  /** What made it convincing, or "weak". */
  reason: "terms" | "share" | "vector" | "weak";
}

export interface JudgePassagesOptions {
  /** Convincing with at least this many of the query's distinct terms… Default 3. */
  minMatchedTerms?: number;
  /** …or with at least this share of them (and at least `minSharedTermsForShare`). Default 0.6. */
  minShare?: number;
  /** A share counts only with at least this many matched terms, unless the query has only that many. Default 2. */
  minSharedTermsForShare?: number;
  /** Convincing whatever the words when the embedding is at least this similar. Default 0.8; depends on the embedding model. */
  vectorFloor?: number;
}

/**
 * The defaults, tuned on the seeded retrieval set in `bench/documents` (printed by its
 * `quality.ts`): three distinct query terms, or 60% of them (at least two), separate passages
 * that answer from passages that only share the question's entity or its topic words. One or
 * two shared words are what any passage of a document about the same subject has; a question
 * whose words mostly occur in one passage is rarely unrelated to it. The vector floor is
 * deliberately high: embedding models give unrelated text of the same genre 0.5-0.7.
 */
export const defaultJudgeOptions: Readonly<Required<JudgePassagesOptions>> = {
  minMatchedTerms: 3,
  minShare: 0.6,
  minSharedTermsForShare: 2,
  vectorFloor: 0.8,
};

/** One judgement per hit, in the hits' order. */
export function judgePassages(query: string, hits: readonly PassageHit[], options: JudgePassagesOptions = {}): PassageJudgement[] {
  const settings = { ...defaultJudgeOptions, ...Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) };
  const terms = queryTerms(query);
  return hits.map((hit) => {
    const present = new Set(queryTerms(hit.text));
    const matchedTerms = terms.filter((term) => present.has(term));
    const matchedShare = terms.length === 0 ? 0 : matchedTerms.length / terms.length;
    const shareNeeds = Math.min(settings.minSharedTermsForShare, terms.length);
    let reason: PassageJudgement["reason"] = "weak";
    if (matchedTerms.length >= settings.minMatchedTerms) reason = "terms";
    else if (matchedTerms.length > 0 && matchedTerms.length >= shareNeeds && matchedShare >= settings.minShare) reason = "share";
    else if (hit.vectorSimilarity !== null && hit.vectorSimilarity >= settings.vectorFloor) reason = "vector";
    return { convincing: reason !== "weak", matchedTerms, matchedShare, reason };
  });
}

/** Retrieval is weak when no passage is convincing: the prompt then says so, and the model asks rather than guesses. */
export function isRetrievalWeak(judgements: readonly PassageJudgement[]): boolean {
  return !judgements.some((judgement) => judgement.convincing);
}
