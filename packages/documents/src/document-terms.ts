import { extractTerms } from "@recall/memory";

/**
 * The terms the full-text index stores for a chunk, and the terms a query looks up: the same
 * function as the memory engine's recall (`extractTerms`: lower-cased Unicode words, English
 * stopwords dropped, Porter2 stems, possessives folded, numbers kept), so one tokenizer serves
 * turns and documents. The server HMACs each term per user before it reaches the database (a
 * blind index), which only works because a term is deterministic and never contains a space.
 * Duplicates are kept in order: BM25 needs term frequencies.
 */
export function documentTerms(text: string): string[] {
  return extractTerms(text);
}

/** A query's distinct terms in first-seen order: what a search looks up, each once. */
export function queryTerms(query: string): string[] {
  return [...new Set(extractTerms(query))];
}

/** How often each term occurs in a chunk: what a per-chunk posting stores. */
export function termFrequencies(text: string): Map<string, number> {
  const frequencies = new Map<string, number>();
  for (const term of extractTerms(text)) frequencies.set(term, (frequencies.get(term) ?? 0) + 1);
  return frequencies;
}
