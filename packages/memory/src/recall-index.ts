import type { MemoryRole } from "./ports.ts";
import { isWithinCue, parseTemporalCue, withoutRelativeCue, type TemporalCue } from "./temporal-cues.ts";
import { extractTerms } from "./text-terms.ts";

/** A conversation turn as the recall index needs it. */
export interface RecallTurn {
  id: string;
  sessionId: string;
  role: MemoryRole;
  content: string;
  createdAt: Date;
}

export interface RecallSearchOptions {
  /** How many turns to return at most (0 returns none). */
  limit: number;
  /** Turns already in the context, usually the working buffer's ids. */
  excludeIds?: ReadonlySet<string>;
  /** The current chat. Without `includeOtherSessions` only its turns are searched. */
  sessionId?: string;
  /** Also search the owner's other chats (always the case when `sessionId` is absent). */
  includeOtherSessions?: boolean;
  /** Drop turns scoring below this BM25 score (before the temporal boost). */
  minScore?: number;
  /**
   * When the question is asked (the server's "now", passed in: the index never reads a clock).
   * With it, a time expression in the query ("two weeks ago", "last Tuesday", "in March", "on
   * March 14") boosts the turns said in that period, and relative phrases are not searched as words.
   */
  queryTime?: Date;
  /** How much a turn in the query's period gains: its score is multiplied by 1 + this. Default 1. */
  temporalBoost?: number;
}

export interface RecallSearchResult {
  id: string;
  sessionId: string;
  score: number;
  /** The query's terms (stemmed, as indexed) that this turn contains, in query order. */
  matchedTerms: string[];
  /** Set when the query named a period and this turn was said in it (its score was boosted). */
  inQueryPeriod?: true;
}

/** A matched turn with the other half of its exchange, ready to put in the context. */
export interface RecallExchange {
  sessionId: string;
  /**
   * One to three turn ids, oldest first: a user turn and the assistant reply that followed it,
   * and, when a matched reply ended with a question, the user's answer after it.
   */
  turnIds: string[];
  /** Which of `turnIds` were ranked matches (the rest is context). */
  matchedIds: string[];
  /** The best score among the matched turns. */
  score: number;
  matchedTerms: string[];
}

/** What the last search touched: tests use it to prove a query does not scan the whole index. */
export interface RecallSearchCost {
  termsLookedUp: number;
  postingsVisited: number;
  turnsScored: number;
}

export interface RecallIndexOptions {
  /** BM25 term-frequency saturation. */
  k1?: number;
  /** BM25 length normalisation, 0 (none) to 1 (full). */
  b?: number;
  /**
   * Multiplies the score of the user's own turns. What users ask back is mostly what they
   * said themselves; long assistant replies otherwise outrank the one line that stated it.
   */
  userTurnWeight?: number;
}

interface IndexedTurn {
  id: string;
  sessionId: string;
  role: MemoryRole;
  createdAtMs: number;
  /** Insertion order: breaks ties between turns with the same timestamp. */
  sequence: number;
  length: number;
  termFrequencies: Map<string, number>;
  /** An assistant turn that ends by asking something: the user's next turn is its answer. */
  asksQuestion: boolean;
  /** Scratch space for one search: a score is valid only when `searchRound` matches the current search. */
  searchRound: number;
  searchScore: number;
}

interface ScoredTurn {
  turn: IndexedTurn;
  score: number;
}

/**
 * An incremental in-memory BM25 index over one owner's conversation turns. The caller
 * keeps one index per user (scoping is the caller's job: this index trusts every turn
 * it holds). Queries walk only the postings of their own terms, so cost grows with
 * how many turns share a query term, not with the size of the history.
 */
export class RecallIndex {
  readonly #k1: number;
  readonly #b: number;
  readonly #userTurnWeight: number;
  readonly #turns = new Map<string, IndexedTurn>();
  readonly #postings = new Map<string, Map<IndexedTurn, number>>();
  /** Each session's turns in chronological order, for finding the other half of an exchange. */
  readonly #sessions = new Map<string, IndexedTurn[]>();
  #totalLength = 0;
  #nextSequence = 0;
  #searchRound = 0;
  #lastSearchCost: RecallSearchCost = { termsLookedUp: 0, postingsVisited: 0, turnsScored: 0 };

  constructor(options: RecallIndexOptions = {}) {
    this.#k1 = options.k1 ?? 1.2;
    this.#b = options.b ?? 0.75;
    this.#userTurnWeight = options.userTurnWeight ?? 1.25;
  }

  get size(): number {
    return this.#turns.size;
  }

  get lastSearchCost(): RecallSearchCost {
    return { ...this.#lastSearchCost };
  }

  has(id: string): boolean {
    return this.#turns.has(id);
  }

  /** Indexes a turn; adding an id again replaces the earlier version (an edited or finished message). */
  add(turn: RecallTurn): void {
    this.remove(turn.id);
    const termFrequencies = new Map<string, number>();
    const terms = extractTerms(turn.content);
    for (const term of terms) termFrequencies.set(term, (termFrequencies.get(term) ?? 0) + 1);
    const indexed: IndexedTurn = {
      id: turn.id,
      sessionId: turn.sessionId,
      role: turn.role,
      createdAtMs: turn.createdAt.getTime(),
      sequence: this.#nextSequence,
      length: terms.length,
      termFrequencies,
      asksQuestion: turn.role === "assistant" && endsWithQuestion(turn.content),
      searchRound: 0,
      searchScore: 0,
    };
    this.#nextSequence += 1;
    this.#turns.set(turn.id, indexed);
    this.#totalLength += indexed.length;
    for (const [term, frequency] of termFrequencies) {
      let postings = this.#postings.get(term);
      if (postings === undefined) {
        postings = new Map();
        this.#postings.set(term, postings);
      }
      postings.set(indexed, frequency);
    }
    this.#insertIntoSession(indexed);
  }

  /** Returns whether the turn was indexed. */
  remove(id: string): boolean {
    const turn = this.#turns.get(id);
    if (turn === undefined) return false;
    this.#unindex(turn);
    const sessionTurns = this.#sessions.get(turn.sessionId);
    if (sessionTurns !== undefined) {
      const position = findPosition(sessionTurns, turn);
      if (sessionTurns[position] === turn) sessionTurns.splice(position, 1);
      if (sessionTurns.length === 0) this.#sessions.delete(turn.sessionId);
    }
    return true;
  }

  /** Forgets a whole chat (deleted or expired); returns how many turns went. */
  removeSession(sessionId: string): number {
    const sessionTurns = this.#sessions.get(sessionId);
    if (sessionTurns === undefined) return 0;
    for (const turn of sessionTurns) this.#unindex(turn);
    this.#sessions.delete(sessionId);
    return sessionTurns.length;
  }

  /**
   * The turns that best match the query by BM25, best first. Ties go to the newer
   * turn (a fact said later usually supersedes an earlier one), then to the smaller id.
   */
  search(query: string, options: RecallSearchOptions): RecallSearchResult[] {
    if (!Number.isInteger(options.limit) || options.limit < 0) {
      throw new RangeError(`A recall search returns a whole number of turns; got ${options.limit}.`);
    }
    const cost: RecallSearchCost = { termsLookedUp: 0, postingsVisited: 0, turnsScored: 0 };
    this.#lastSearchCost = cost;
    const cue: TemporalCue | null = options.queryTime === undefined ? null : parseTemporalCue(query, options.queryTime);
    const queryTerms = [...new Set(extractTerms(withoutRelativeCue(query, cue)))];
    if (options.limit === 0 || queryTerms.length === 0 || this.#turns.size === 0) return [];

    const onlySession = options.includeOtherSessions === true ? undefined : options.sessionId;
    const excludeIds = options.excludeIds;
    const turnCount = this.#turns.size;
    const averageLength = Math.max(this.#totalLength / turnCount, 1);
    const k1 = this.#k1;
    // BM25's k1 * (1 - b + b * length / averageLength), split so the loop does one multiply-add.
    const fixedNormalisation = k1 * (1 - this.#b);
    const lengthNormalisation = (k1 * this.#b) / averageLength;
    // Scores live on the turns themselves: a Map per search costs more than the BM25 arithmetic.
    this.#searchRound += 1;
    const round = this.#searchRound;
    const scored: IndexedTurn[] = [];

    for (const term of queryTerms) {
      cost.termsLookedUp += 1;
      const postings = this.#postings.get(term);
      if (postings === undefined) continue;
      const documentFrequency = postings.size;
      const inverseFrequency = Math.log(1 + (turnCount - documentFrequency + 0.5) / (documentFrequency + 0.5));
      for (const [turn, frequency] of postings) {
        cost.postingsVisited += 1;
        if (onlySession !== undefined && turn.sessionId !== onlySession) continue;
        if (excludeIds !== undefined && excludeIds.has(turn.id)) continue;
        const normalisation = fixedNormalisation + lengthNormalisation * turn.length;
        const termScore = (inverseFrequency * frequency * (k1 + 1)) / (frequency + normalisation);
        if (turn.searchRound === round) {
          turn.searchScore += termScore;
        } else {
          turn.searchRound = round;
          turn.searchScore = termScore;
          scored.push(turn);
        }
      }
    }

    cost.turnsScored = scored.length;
    if (this.#userTurnWeight !== 1) {
      for (const turn of scored) if (turn.role === "user") turn.searchScore *= this.#userTurnWeight;
    }
    const minScore = options.minScore ?? Number.NEGATIVE_INFINITY;
    const inPeriod = new Set<IndexedTurn>();
    if (cue !== null) {
      const boost = 1 + (options.temporalBoost ?? 1);
      for (const turn of scored) {
        if (turn.searchScore < minScore || !isWithinCue(turn.createdAtMs, cue)) continue;
        turn.searchScore *= boost;
        inPeriod.add(turn);
      }
    }
    const best = selectBest(scored, options.limit, minScore);
    return best.map(({ turn, score }) => ({
      id: turn.id,
      sessionId: turn.sessionId,
      score,
      matchedTerms: queryTerms.filter((term) => turn.termFrequencies.has(term)),
      ...(inPeriod.has(turn) ? { inQueryPeriod: true as const } : {}),
    }));
  }

  /**
   * Pairs each ranked turn with the other half of its exchange: a user turn with the
   * assistant reply right after it, a reply with the user turn right before it, in the
   * same session; and a reply that ends with a question with the user's answer right
   * after it ("Any plans for the summer?" / "Moving to Lisbon"), unless `answers` is false.
   * Exchanges keep the order of their best-ranked turn; a turn appears once even when
   * several matched; turns in `excludeIds` (already in the context) are left out. Accepts
   * fused rankings too, so it runs after `fuseRankings`. Ids no longer in the index
   * (deleted since the search) are dropped.
   */
  expandToExchanges(
    results: ReadonlyArray<{ id: string; score: number; matchedTerms?: readonly string[] }>,
    options: { excludeIds?: ReadonlySet<string>; answers?: boolean } = {},
  ): RecallExchange[] {
    const exchanges: RecallExchange[] = [];
    const exchangeByTurnId = new Map<string, RecallExchange>();
    for (const result of results) {
      const turn = this.#turns.get(result.id);
      // Gone since the search, or already in the context.
      if (turn === undefined || options.excludeIds?.has(turn.id) === true) continue;
      const existing = exchangeByTurnId.get(turn.id);
      if (existing !== undefined) {
        if (!existing.matchedIds.includes(turn.id)) existing.matchedIds.push(turn.id);
        existing.score = Math.max(existing.score, result.score);
        for (const term of result.matchedTerms ?? []) {
          if (!existing.matchedTerms.includes(term)) existing.matchedTerms.push(term);
        }
        continue;
      }
      const partners = this.#exchangePartners(turn, options.answers ?? true).filter(
        // A turn already brought by a better-ranked exchange stays there.
        (partner) => options.excludeIds?.has(partner.id) !== true && !exchangeByTurnId.has(partner.id),
      );
      const ordered = [turn, ...partners].sort(compareChronologically);
      const exchange: RecallExchange = {
        sessionId: turn.sessionId,
        turnIds: ordered.map((member) => member.id),
        matchedIds: [turn.id],
        score: result.score,
        matchedTerms: [...(result.matchedTerms ?? [])],
      };
      exchanges.push(exchange);
      for (const member of ordered) exchangeByTurnId.set(member.id, exchange);
    }
    return exchanges;
  }

  #unindex(turn: IndexedTurn): void {
    this.#turns.delete(turn.id);
    this.#totalLength -= turn.length;
    for (const term of turn.termFrequencies.keys()) {
      const postings = this.#postings.get(term);
      if (postings === undefined) continue;
      postings.delete(turn);
      if (postings.size === 0) this.#postings.delete(term);
    }
  }

  #insertIntoSession(turn: IndexedTurn): void {
    let sessionTurns = this.#sessions.get(turn.sessionId);
    if (sessionTurns === undefined) {
      sessionTurns = [];
      this.#sessions.set(turn.sessionId, sessionTurns);
    }
    const last = sessionTurns.at(-1);
    // Turns nearly always arrive in order; only backfills pay for the splice.
    if (last === undefined || compareChronologically(last, turn) < 0) sessionTurns.push(turn);
    else sessionTurns.splice(findPosition(sessionTurns, turn), 0, turn);
  }

  /**
   * User turns pair with the reply after them, replies with the user turn before them and,
   * when they end with a question, with the user turn after them; system turns stand alone.
   */
  #exchangePartners(turn: IndexedTurn, answers: boolean): IndexedTurn[] {
    const sessionTurns = this.#sessions.get(turn.sessionId);
    if (sessionTurns === undefined || turn.role === "system") return [];
    const position = findPosition(sessionTurns, turn);
    if (turn.role === "user") {
      const next = sessionTurns[position + 1];
      return next?.role === "assistant" ? [next] : [];
    }
    const partners: IndexedTurn[] = [];
    const previous = sessionTurns[position - 1];
    if (previous?.role === "user") partners.push(previous);
    const next = sessionTurns[position + 1];
    if (answers && turn.asksQuestion && next?.role === "user") partners.push(next);
    return partners;
  }
}

/** The reply's last sentence asks something ("… Any plans for the summer?"). */
function endsWithQuestion(content: string): boolean {
  return /\?["'”’)\]]*$/.test(content.trimEnd());
}

function compareChronologically(left: IndexedTurn, right: IndexedTurn): number {
  return left.createdAtMs - right.createdAtMs || left.sequence - right.sequence;
}

/** Binary search: the index of `turn` in a chronological list, or where it would go. */
function findPosition(sessionTurns: readonly IndexedTurn[], turn: IndexedTurn): number {
  let low = 0;
  let high = sessionTurns.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const candidate = sessionTurns[middle]!;
    if (compareChronologically(candidate, turn) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Higher score first, then newer, then smaller id: the same input always ranks the same way. */
function compareScored(left: ScoredTurn, right: ScoredTurn): number {
  if (left.score !== right.score) return right.score - left.score;
  if (left.turn.createdAtMs !== right.turn.createdAtMs) return right.turn.createdAtMs - left.turn.createdAtMs;
  return left.turn.id < right.turn.id ? -1 : left.turn.id > right.turn.id ? 1 : 0;
}

/** Keeps the best `limit` in a small sorted array instead of sorting every candidate. */
function selectBest(scored: readonly IndexedTurn[], limit: number, minScore: number): ScoredTurn[] {
  const best: ScoredTurn[] = [];
  for (const turn of scored) {
    const score = turn.searchScore;
    if (score < minScore) continue;
    const candidate = { turn, score };
    const worst = best[best.length - 1];
    if (best.length === limit && worst !== undefined && compareScored(candidate, worst) >= 0) continue;
    let position = best.length;
    while (position > 0 && compareScored(candidate, best[position - 1]!) < 0) position -= 1;
    best.splice(position, 0, candidate);
    if (best.length > limit) best.pop();
  }
  return best;
}
