/**
 * What the memory engine needs from the outside world. The engine never imports
 * a database, cache or model client: the server passes implementations of these,
 * and it calls the model and saves what the engine's planners and prompt builders
 * (running-summary.ts, episode-prompt.ts, profile-merge.ts) decide.
 */

export type MemoryRole = "system" | "user" | "assistant";

export interface MemoryMessage {
  id: string;
  role: MemoryRole;
  content: string;
  createdAt: Date;
}

/** A chat message as the model receives it. */
export interface PromptMessage {
  role: MemoryRole;
  content: string;
}

export interface TokenCounter {
  count(text: string): number;
}

/** Where time comes from: the server's upkeep (idle chats, abandoned replies) reads it here, so tests can move it. */
export interface Clock {
  now(): Date;
}

/** A short-lived copy of assembled state (in-process LRU or Redis). Never the only copy. */
export interface MemoryCache {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  delete(key: string): Promise<void>;
}

export const systemClock: Clock = { now: () => new Date() };

/** About four characters per token for English: a fallback until a real tokenizer is wired in. */
export const approximateTokenCounter: TokenCounter = {
  count: (text) => Math.ceil(text.length / 4),
};

/**
 * Document passages for the passages layer (the documents issue fills it): the best
 * chunks of the documents uploaded to a chat for a query, best first.
 */
export interface PassageSource {
  search(query: string, scope: { userId: string; sessionId: string; limit: number }): Promise<Array<{ id: string; documentId: string; text: string; score: number }>>;
}
