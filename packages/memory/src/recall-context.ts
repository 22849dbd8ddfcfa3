import { contextSectionHeadings, renderRecalledTurn, type ContextRecalledTurn } from "./context-sections.ts";
import { approximateTokenCounter, type TokenCounter } from "./ports.ts";
import type { RecallIndex, RecallTurn } from "./recall-index.ts";
import { fuseRankings } from "./rank-fusion.ts";
import { splitSentences } from "./sentences.ts";

export interface RecallForContextOptions {
  query: string;
  /**
   * How many matching turns to look for at most (each may bring its neighbours). Default 16;
   * with `budgetTokens`, 64, and the budget decides how many of them go in.
   */
  limit?: number;
  /** The working buffer's ids: already in the prompt verbatim. */
  excludeIds: ReadonlySet<string>;
  sessionId: string;
  includeOtherSessions: boolean;
  /** An assistant turn next to a match is context, not evidence: keep at most this much of it. Default 240. */
  neighbourMaxCharacters?: number;
  /** A user turn next to a match (the question a matched reply answered, or the answer to its question) is often the point: default 400. */
  userNeighbourMaxCharacters?: number;
  /**
   * A ranking by embeddings (most similar first), already limited to the turns this
   * search may see: fused with BM25 by reciprocal rank fusion.
   */
  embeddingRanking?: ReadonlyArray<{ id: string }>;
  /**
   * The tokens the recalled section may take in the prompt, heading included. With it, recall
   * returns as many matches as fit (a long match that does not fit leaves room for shorter
   * ones), then the user turns next to them, then the assistant turns, instead of a fixed number.
   */
  budgetTokens?: number;
  /** Counts `budgetTokens`; default about four characters a token. Pass the prompt's own counter. */
  tokenCounter?: TokenCounter;
  /** When the user asked (passed in, never read from a clock): lets "two weeks ago" or "in March" favour turns from then. */
  queryTime?: Date;
  /** See `RecallSearchOptions.temporalBoost`. */
  temporalBoost?: number;
  /** Pair a matched reply that asked a question with the user's answer after it. Default true. */
  answers?: boolean;
}

/** Matched turns looked for without a budget: the server's long-standing default. */
export const defaultRecallLimit = 16;
/** The most matched turns looked for when a budget decides how many go in. */
export const budgetedRecallLimit = 64;

/** Marks a neighbour cut short, so the model never reads a clipped reply as whole. */
export const neighbourClippedMarker = " […]";

interface Candidate {
  turn: ContextRecalledTurn;
  kind: "match" | "user-neighbour" | "assistant-neighbour";
  exchange: number;
}

/**
 * The recall layer's input: turns that match the user's message, each with the other
 * half of its exchange (and, after a reply that asked something, the user's answer) for
 * context. Matched turns keep their full text and score; a neighbour is clipped at a
 * sentence boundary and scores below every match (user turns above assistant turns, both
 * in the order of their exchanges), so trimming drops neighbours before any real match.
 * This is what the server and the benchmarks both use.
 */
export function recallForContext(index: RecallIndex, turnsById: ReadonlyMap<string, RecallTurn>, options: RecallForContextOptions): ContextRecalledTurn[] {
  const budgeted = options.budgetTokens !== undefined;
  const limit = options.limit ?? (budgeted ? budgetedRecallLimit : defaultRecallLimit);
  const results = index.search(options.query, {
    limit,
    excludeIds: options.excludeIds,
    sessionId: options.sessionId,
    includeOtherSessions: options.includeOtherSessions,
    ...(options.queryTime === undefined ? {} : { queryTime: options.queryTime }),
    ...(options.temporalBoost === undefined ? {} : { temporalBoost: options.temporalBoost }),
  });
  const assistantMaxCharacters = options.neighbourMaxCharacters ?? 240;
  const userMaxCharacters = options.userNeighbourMaxCharacters ?? 400;
  const ranked =
    options.embeddingRanking && options.embeddingRanking.length > 0
      ? fuseRankings([results, options.embeddingRanking.filter((entry) => !options.excludeIds.has(entry.id))]).slice(0, limit)
      : results;
  const exchanges = index.expandToExchanges(ranked, { excludeIds: options.excludeIds, answers: options.answers ?? true });
  const topScore = exchanges.reduce((best, exchange) => Math.max(best, exchange.score), 0);
  const lowestMatch = exchanges.reduce((lowest, exchange) => Math.min(lowest, exchange.score), Number.POSITIVE_INFINITY);

  const candidates: Candidate[] = [];
  exchanges.forEach((exchange, position) => {
    // Below the weakest match, in the order of the exchanges: neighbours of the best match go last.
    const share = topScore > 0 ? exchange.score / topScore : 1;
    for (const id of exchange.turnIds) {
      const turn = turnsById.get(id);
      if (!turn || turn.role === "system") continue;
      const matched = exchange.matchedIds.includes(id);
      const kind = matched ? "match" : turn.role === "user" ? "user-neighbour" : "assistant-neighbour";
      const score = matched ? exchange.score : lowestMatch * share * (kind === "user-neighbour" ? 0.75 : 0.5);
      const content = matched ? turn.content : clipAtSentence(turn.content, kind === "user-neighbour" ? userMaxCharacters : assistantMaxCharacters);
      candidates.push({ turn: { id, role: turn.role, content, createdAt: turn.createdAt, score }, kind, exchange: position });
    }
  });
  if (!budgeted) return candidates.map((candidate) => candidate.turn);
  return fitToRecallBudget(candidates, options.budgetTokens!, options.tokenCounter ?? approximateTokenCounter);
}

/**
 * Matches in rank order, each with the user turns next to it; then the assistant
 * neighbours; anything that does not fit is skipped so a shorter one further down can go in.
 * Counts each turn as the prompt shows it, plus one token for the line break, and the heading.
 */
function fitToRecallBudget(candidates: readonly Candidate[], budgetTokens: number, tokenCounter: TokenCounter): ContextRecalledTurn[] {
  if (!Number.isFinite(budgetTokens) || budgetTokens < 0) throw new RangeError(`A recall budget is a number of tokens >= 0; got ${budgetTokens}.`);
  let remaining = budgetTokens - tokenCounter.count(contextSectionHeadings.recalled) - 1;
  const chosen = new Set<Candidate>();
  const cost = (candidate: Candidate): number => tokenCounter.count(renderRecalledTurn(candidate.turn)) + 1;
  const take = (group: readonly Candidate[]): boolean => {
    const total = group.reduce((sum, candidate) => sum + cost(candidate), 0);
    if (group.length === 0 || total > remaining) return false;
    remaining -= total;
    for (const candidate of group) chosen.add(candidate);
    return true;
  };
  const byExchange = new Map<number, Candidate[]>();
  for (const candidate of candidates) byExchange.set(candidate.exchange, [...(byExchange.get(candidate.exchange) ?? []), candidate]);
  // A match's user neighbours go in with it: after a matched question from the assistant, the
  // user's answer is the point (taking every match first lost more than it gained, at 1,000 tokens).
  for (const group of byExchange.values()) {
    if (!take(group.filter((candidate) => candidate.kind === "match"))) continue;
    for (const neighbour of group.filter((candidate) => candidate.kind === "user-neighbour")) take([neighbour]);
  }
  for (const group of byExchange.values()) {
    if (!group.some((candidate) => chosen.has(candidate))) continue;
    for (const neighbour of group.filter((candidate) => candidate.kind === "assistant-neighbour")) take([neighbour]);
  }
  return candidates.filter((candidate) => chosen.has(candidate)).map((candidate) => candidate.turn);
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
