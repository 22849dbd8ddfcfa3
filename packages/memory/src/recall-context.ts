import type { ContextRecalledTurn } from "./context-sections.ts";
import type { RecallIndex, RecallTurn } from "./recall-index.ts";
import { fuseRankings } from "./rank-fusion.ts";
import { splitSentences } from "./sentences.ts";

export interface RecallForContextOptions {
  query: string;
  /** How many matching turns to look for (each may bring its neighbour). */
  limit: number;
  /** The working buffer's ids: already in the prompt verbatim. */
  excludeIds: ReadonlySet<string>;
  sessionId: string;
  includeOtherSessions: boolean;
  /** The other half of a matched exchange is context, not evidence: keep at most this much of it. */
  neighbourMaxCharacters?: number;
  /**
   * A ranking by embeddings (most similar first), already limited to the turns this
   * search may see: fused with BM25 by reciprocal rank fusion.
   */
  embeddingRanking?: ReadonlyArray<{ id: string }>;
}

/** Marks a neighbour cut short, so the model never reads a clipped reply as whole. */
export const neighbourClippedMarker = " […]";

/**
 * The recall layer's input: turns that match the user's message, each with the other
 * half of its exchange for context. Matched turns keep their full text and score; a
 * neighbour scores half as much (so trimming drops it first) and is clipped at a
 * sentence boundary. This is what the server and the benchmarks both use.
 */
export function recallForContext(index: RecallIndex, turnsById: ReadonlyMap<string, RecallTurn>, options: RecallForContextOptions): ContextRecalledTurn[] {
  const results = index.search(options.query, {
    limit: options.limit,
    excludeIds: options.excludeIds,
    sessionId: options.sessionId,
    includeOtherSessions: options.includeOtherSessions,
  });
  const maxCharacters = options.neighbourMaxCharacters ?? 400;
  const ranked =
    options.embeddingRanking && options.embeddingRanking.length > 0
      ? fuseRankings([results, options.embeddingRanking.filter((entry) => !options.excludeIds.has(entry.id))]).slice(0, options.limit)
      : results;
  const recalled: ContextRecalledTurn[] = [];
  for (const exchange of index.expandToExchanges(ranked, { excludeIds: options.excludeIds })) {
    for (const id of exchange.turnIds) {
      const turn = turnsById.get(id);
      if (!turn || turn.role === "system") continue;
      const matched = exchange.matchedIds.includes(id);
      recalled.push({
        id,
        role: turn.role,
        content: matched ? turn.content : clipAtSentence(turn.content, maxCharacters),
        createdAt: turn.createdAt,
        score: matched ? exchange.score : exchange.score / 2,
      });
    }
  }
  return recalled;
}

/** The leading whole sentences that fit in `maxCharacters`, marked when anything was cut. */
export function clipAtSentence(text: string, maxCharacters: number): string {
  if (text.length <= maxCharacters) return text;
  let clipped = "";
  for (const sentence of splitSentences(text)) {
    if (clipped.length + sentence.length > maxCharacters) break;
    clipped += sentence;
  }
  // A first sentence longer than the limit: cut at a word instead of sending nothing.
  if (clipped.trim().length === 0) clipped = text.slice(0, maxCharacters).replace(/\s+\S*$/, "");
  return `${clipped.trimEnd()}${neighbourClippedMarker}`;
}
