import type { Session } from "@recall/schema";
import { snippetAround, type SessionSearchHit } from "./chat-search.ts";

/** A message as search reads it: already decrypted. */
export interface SearchableTurn {
  id: string;
  sessionId: string;
  content: string;
  createdAt: Date;
}

export interface DecryptedSearch {
  /** The user's chats, newest first (`updatedAt`, then id, descending), titles decrypted. */
  sessions: readonly Session[];
  turns: Iterable<SearchableTurn>;
  query: string;
  limit: number;
}

/**
 * `session.search` with encryption on, where SQL `LIKE` sees only ciphertext: the same
 * answer as `searchSavedChats` (a case-insensitive substring of the title or of any message,
 * newest chat first, a title match winning, else the chat's oldest matching message as the
 * snippet), computed over text already decrypted in memory. One pass over the turns.
 */
export function searchDecryptedChats(search: DecryptedSearch): SessionSearchHit[] {
  const needle = search.query.toLowerCase();
  const wanted = new Set<string>();
  const hits: SessionSearchHit[] = [];
  for (const session of search.sessions) {
    if (!session.title.toLowerCase().includes(needle)) wanted.add(session.id);
  }
  const firstMatch = new Map<string, SearchableTurn>();
  for (const turn of search.turns) {
    if (!wanted.has(turn.sessionId)) continue;
    const earlier = firstMatch.get(turn.sessionId);
    if (earlier && !isEarlier(turn, earlier)) continue;
    if (turn.content.toLowerCase().includes(needle)) firstMatch.set(turn.sessionId, turn);
  }
  for (const session of search.sessions) {
    if (hits.length >= search.limit) break;
    if (!wanted.has(session.id)) {
      hits.push({ session, match: "title", snippet: null, messageId: null });
      continue;
    }
    const turn = firstMatch.get(session.id);
    if (turn) hits.push({ session, match: "content", snippet: snippetAround(turn.content, search.query), messageId: turn.id });
  }
  return hits;
}

function isEarlier(turn: SearchableTurn, than: SearchableTurn): boolean {
  const difference = turn.createdAt.getTime() - than.createdAt.getTime();
  return difference < 0 || (difference === 0 && turn.id < than.id);
}
