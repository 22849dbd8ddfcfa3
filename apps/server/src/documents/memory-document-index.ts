import {
  rankVectors,
  assertSearchLimit,
  blindTerms,
  candidatesPerRanking,
  defaultDocumentTerms,
  distinctTerms,
  fuseCandidates,
  wantsVectors,
  type DocumentIndex,
  type DocumentIndexOptions,
  type DocumentSearchInput,
  type IndexHit,
  type RankedCandidate,
  type TermHashing,
  type VectorCandidate,
} from "./document-index.ts";

interface IndexedChunk {
  chunkId: string;
  documentId: string;
  userId: string;
  length: number;
  frequencies: Map<string, number>;
}

interface IndexedVector {
  chunkId: string;
  documentId: string;
  model: string;
  vector: Float32Array;
}

interface IndexedDocument {
  userId: string;
  chunks: Map<string, IndexedChunk>;
  totalLength: number;
  vectors: Map<string, IndexedVector>;
}

/** BM25 parameters, the usual ones (and the recall index's). */
const k1 = 1.2;
const b = 0.75;

/**
 * The document index of temporary chats: in process, nothing on disk. The same blind terms as
 * the saved index (so a temporary chat's terms are no more readable in a heap dump than on disk),
 * BM25 over the searched documents only (document frequency and average length of those
 * documents), cosine similarity over their vectors.
 *
 * Not the memory engine's RecallIndex: that one is built for conversation turns (it tokenizes
 * content itself, weights user turns, scopes to one session or all), and documents need BM25
 * over an arbitrary set of documents.
 */
export class MemoryDocumentIndex implements DocumentIndex {
  readonly #cipher: TermHashing;
  readonly #terms: (text: string) => string[];
  readonly #documents = new Map<string, IndexedDocument>();
  /** Blind term -> chunks holding it (with their frequency), per user: users' terms never meet. */
  readonly #postings = new Map<string, Map<string, Map<IndexedChunk, number>>>();
  readonly #chunkDocuments = new Map<string, string>();

  constructor(options: DocumentIndexOptions) {
    this.#cipher = options.cipher;
    this.#terms = options.terms ?? defaultDocumentTerms;
  }

  /** How many chunks and vectors are held, for tests. */
  get size(): { chunks: number; vectors: number } {
    let chunks = 0;
    let vectors = 0;
    for (const document of this.#documents.values()) {
      chunks += document.chunks.size;
      vectors += document.vectors.size;
    }
    return { chunks, vectors };
  }

  async add(userId: string, documentId: string, chunks: ReadonlyArray<{ chunkId: string; text: string }>): Promise<void> {
    const hash = await this.#cipher.termHasher(userId);
    for (const { chunkId, text } of chunks) {
      this.#removeChunk(chunkId);
      const terms = blindTerms(text, this.#terms, hash);
      const frequencies = new Map<string, number>();
      for (const term of terms) frequencies.set(term, (frequencies.get(term) ?? 0) + 1);
      const chunk: IndexedChunk = { chunkId, documentId, userId, length: terms.length, frequencies };
      const document = this.#documentFor(userId, documentId);
      document.chunks.set(chunkId, chunk);
      document.totalLength += chunk.length;
      this.#chunkDocuments.set(chunkId, documentId);
      const postings = this.#postingsOf(userId);
      for (const [term, frequency] of frequencies) {
        let holders = postings.get(term);
        if (holders === undefined) {
          holders = new Map();
          postings.set(term, holders);
        }
        holders.set(chunk, frequency);
      }
    }
  }

  async addVectors(userId: string, documentId: string, model: string, vectors: ReadonlyArray<{ chunkId: string; vector: Float32Array }>): Promise<void> {
    const document = this.#documentFor(userId, documentId);
    for (const { chunkId, vector } of vectors) {
      for (const other of this.#documents.values()) other.vectors.delete(chunkId);
      document.vectors.set(chunkId, { chunkId, documentId, model, vector: Float32Array.from(vector) });
    }
  }

  async search(input: DocumentSearchInput): Promise<IndexHit[]> {
    assertSearchLimit(input.limit);
    if (input.limit === 0) return [];
    const documents = distinctTerms(input.documentIds)
      .map((documentId) => [documentId, this.#documents.get(documentId)] as const)
      .filter((entry): entry is readonly [string, IndexedDocument] => entry[1]?.userId === input.userId);
    if (documents.length === 0) return [];
    const bm25 = await this.#rankTerms(input, new Map(documents));
    let vectors: VectorCandidate[] = [];
    if (wantsVectors(input)) {
      const stored = documents.flatMap(([, document]) =>
        [...document.vectors.values()].filter((candidate) => candidate.model === input.vectorModel && candidate.vector.length === input.queryVector.length),
      );
      vectors = rankVectors(input.queryVector, stored);
    }
    return fuseCandidates(bm25, vectors, input.limit);
  }

  async removeDocument(documentId: string): Promise<void> {
    const document = this.#documents.get(documentId);
    if (document === undefined) return;
    for (const chunkId of [...document.chunks.keys()]) this.#removeChunk(chunkId);
    this.#documents.delete(documentId);
  }

  async removeUser(userId: string): Promise<void> {
    for (const [documentId, document] of [...this.#documents]) if (document.userId === userId) await this.removeDocument(documentId);
    this.#postings.delete(userId);
  }

  async close(): Promise<void> {
    this.#documents.clear();
    this.#postings.clear();
    this.#chunkDocuments.clear();
  }

  async #rankTerms(input: DocumentSearchInput, documents: ReadonlyMap<string, IndexedDocument>): Promise<RankedCandidate[]> {
    const postings = this.#postings.get(input.userId);
    if (postings === undefined) return [];
    const hash = await this.#cipher.termHasher(input.userId);
    const terms = distinctTerms(blindTerms(input.query, this.#terms, hash));
    let chunkCount = 0;
    let totalLength = 0;
    for (const document of documents.values()) {
      chunkCount += document.chunks.size;
      totalLength += document.totalLength;
    }
    if (terms.length === 0 || chunkCount === 0) return [];
    const averageLength = Math.max(totalLength / chunkCount, 1);
    const scores = new Map<IndexedChunk, number>();
    for (const term of terms) {
      const holders = [...(postings.get(term) ?? [])].filter(([chunk]) => documents.has(chunk.documentId));
      if (holders.length === 0) continue;
      const inverseFrequency = Math.log(1 + (chunkCount - holders.length + 0.5) / (holders.length + 0.5));
      for (const [chunk, frequency] of holders) {
        const normalisation = k1 * (1 - b + (b * chunk.length) / averageLength);
        scores.set(chunk, (scores.get(chunk) ?? 0) + (inverseFrequency * frequency * (k1 + 1)) / (frequency + normalisation));
      }
    }
    return [...scores]
      .sort(([left, leftScore], [right, rightScore]) => rightScore - leftScore || (left.chunkId < right.chunkId ? -1 : left.chunkId > right.chunkId ? 1 : 0))
      .slice(0, candidatesPerRanking)
      .map(([chunk]) => ({ chunkId: chunk.chunkId, documentId: chunk.documentId }));
  }

  #documentFor(userId: string, documentId: string): IndexedDocument {
    let document = this.#documents.get(documentId);
    // Ids are unique; a clash would put one user's chunks in another's document, so refuse it.
    if (document !== undefined && document.userId !== userId) throw new Error(`Document ${documentId} is indexed for another user.`);
    if (document === undefined) {
      document = { userId, chunks: new Map(), totalLength: 0, vectors: new Map() };
      this.#documents.set(documentId, document);
    }
    return document;
  }

  #postingsOf(userId: string): Map<string, Map<IndexedChunk, number>> {
    let postings = this.#postings.get(userId);
    if (postings === undefined) {
      postings = new Map();
      this.#postings.set(userId, postings);
    }
    return postings;
  }

  #removeChunk(chunkId: string): void {
    const documentId = this.#chunkDocuments.get(chunkId);
    if (documentId === undefined) return;
    this.#chunkDocuments.delete(chunkId);
    const document = this.#documents.get(documentId);
    const chunk = document?.chunks.get(chunkId);
    if (document === undefined || chunk === undefined) return;
    document.chunks.delete(chunkId);
    document.totalLength -= chunk.length;
    const postings = this.#postings.get(chunk.userId);
    for (const term of chunk.frequencies.keys()) {
      const holders = postings?.get(term);
      holders?.delete(chunk);
      if (holders?.size === 0) postings?.delete(term);
    }
  }
}
