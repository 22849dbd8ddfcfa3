import { createHash } from "node:crypto";
import { documentTerms } from "@recall/documents";
import { rankByEmbedding, fuseRankings } from "@recall/memory";
import type { FieldCipher } from "../crypto/field-cipher.ts";

/**
 * The search index of document chunks: full text over blind terms (each term replaced by a
 * keyed hash per user before it reaches storage) and embedding vectors, fused by reciprocal rank.
 * Three implementations pass one contract suite (`document-index.test.ts`): SQLite (FTS5 and
 * sqlite-vec on the server's database file), PostgreSQL (tsvector with BM25 computed in SQL,
 * vectors as bytea) and in memory (temporary chats: nothing on disk).
 */
export interface DocumentIndex {
  /** Indexes chunks of a document; a chunk id indexed before is replaced. */
  add(userId: string, documentId: string, chunks: ReadonlyArray<{ chunkId: string; text: string }>): Promise<void>;
  /** Stores embeddings of chunks under a model name; a chunk's earlier vector is replaced. */
  addVectors(userId: string, documentId: string, model: string, vectors: ReadonlyArray<{ chunkId: string; vector: Float32Array }>): Promise<void>;
  /** The best chunks of the given documents of that user only, best first. */
  search(input: DocumentSearchInput): Promise<IndexHit[]>;
  removeDocument(documentId: string): Promise<void>;
  removeUser(userId: string): Promise<void>;
  close(): Promise<void>;
}

export interface DocumentSearchInput {
  userId: string;
  documentIds: readonly string[];
  query: string;
  /** The query's embedding, or null when no embedding model is available. */
  queryVector: Float32Array | null;
  /** The model that made `queryVector`: only vectors of this model (and dimension) are compared. */
  vectorModel: string | null;
  limit: number;
}

export interface IndexHit {
  chunkId: string;
  documentId: string;
  /** Reciprocal rank fusion of the BM25 and vector rankings; higher is better. */
  score: number;
  /** 1-based rank among the full-text candidates, or null when full text did not find it. */
  bm25Rank: number | null;
  /** Cosine similarity to the query vector, or null when it was not among the vector candidates. */
  vectorSimilarity: number | null;
}

/** What an index needs of the cipher: the per-user term hasher. */
export type TermHashing = Pick<FieldCipher, "termHasher">;

export interface DocumentIndexOptions {
  cipher: TermHashing;
  /** Text to terms, the same for chunks and queries; the documents policy's `documentTerms` by default. */
  terms?: (text: string) => string[];
}

/** How many chunks each ranking contributes before fusion. */
export const candidatesPerRanking = 50;

/** The documents policy's terms (the memory engine's: lowercased, stopwords dropped, Porter2 stems). */
export function defaultDocumentTerms(text: string): string[] {
  return documentTerms(text);
}

/** The chunk's or query's terms, blinded for this user. */
export function blindTerms(text: string, terms: (text: string) => string[], hash: (term: string) => string): string[] {
  return terms(text).map(hash);
}

/** Distinct query terms, in order. */
export function distinctTerms(terms: readonly string[]): string[] {
  return [...new Set(terms)];
}

/**
 * A document id as one plain word (letters a-p), for the SQLite index's scope column: ids may hold
 * "-" or "_", which a tokenizer would split. Not secret: the id is stored beside it anyway.
 */
export function scopeToken(documentId: string): string {
  const digest = createHash("sha256").update(documentId, "utf8").digest();
  let token = "d";
  for (let index = 0; index < 10; index += 1) token += String.fromCharCode(97 + (digest[index]! >> 4), 97 + (digest[index]! & 15));
  return token;
}

export interface RankedCandidate {
  chunkId: string;
  documentId: string;
}

export interface VectorCandidate extends RankedCandidate {
  similarity: number;
}

/** Fuses the two candidate lists (each best first) into the final hits. */
export function fuseCandidates(bm25: readonly RankedCandidate[], vectors: readonly VectorCandidate[], limit: number): IndexHit[] {
  if (limit <= 0) return [];
  const documentOf = new Map<string, string>();
  const bm25Rank = new Map<string, number>();
  bm25.forEach((candidate, index) => {
    documentOf.set(candidate.chunkId, candidate.documentId);
    if (!bm25Rank.has(candidate.chunkId)) bm25Rank.set(candidate.chunkId, index + 1);
  });
  const similarity = new Map<string, number>();
  for (const candidate of vectors) {
    documentOf.set(candidate.chunkId, candidate.documentId);
    if (!similarity.has(candidate.chunkId)) similarity.set(candidate.chunkId, candidate.similarity);
  }
  const rankings = [bm25.map((candidate) => ({ id: candidate.chunkId })), vectors.map((candidate) => ({ id: candidate.chunkId }))];
  return fuseRankings(rankings)
    .slice(0, limit)
    .map(({ id, score }) => ({
      chunkId: id,
      documentId: documentOf.get(id)!,
      score,
      bm25Rank: bm25Rank.get(id) ?? null,
      vectorSimilarity: similarity.get(id) ?? null,
    }));
}

/**
 * The vector candidates compared in process (the memory index, and PostgreSQL without
 * pgvector): the `candidatesPerRanking` most similar to the query, best first. Ties go to the
 * smaller chunk id, so every backend orders them alike.
 */
export function rankVectors(queryVector: Float32Array, stored: ReadonlyArray<{ chunkId: string; documentId: string; vector: Float32Array }>): VectorCandidate[] {
  const documentOf = new Map(stored.map((candidate) => [candidate.chunkId, candidate.documentId]));
  const candidates = stored.map((candidate) => ({ id: candidate.chunkId, vector: candidate.vector })).sort((left, right) => (left.id < right.id ? -1 : 1));
  return rankByEmbedding(queryVector, candidates, candidatesPerRanking).map((ranked) => ({ chunkId: ranked.id, documentId: documentOf.get(ranked.id)!, similarity: ranked.score }));
}

/** Whether a vector search can run: a query vector, its model, and documents to look in. */
export function wantsVectors(input: DocumentSearchInput): input is DocumentSearchInput & { queryVector: Float32Array; vectorModel: string } {
  return input.queryVector !== null && input.vectorModel !== null && input.queryVector.length > 0 && input.documentIds.length > 0;
}

/** The float32 bytes of a vector, as stored (little-endian, as every platform Node runs on). */
export function vectorBytes(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
}

/** A stored float32 blob back as a vector (copied: the driver's buffer may not be 4-byte aligned). */
export function vectorFromBytes(bytes: Uint8Array): Float32Array {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}

/** Checks the search limit once, for every implementation. */
export function assertSearchLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`A document search returns a whole number of chunks; got ${limit}.`);
}
