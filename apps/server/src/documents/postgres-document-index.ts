import type { PrismaClient } from "@recall/db";
import {
  rankVectors,
  assertSearchLimit,
  blindTerms,
  candidatesPerRanking,
  defaultDocumentTerms,
  distinctTerms,
  fuseCandidates,
  vectorBytes,
  vectorFromBytes,
  wantsVectors,
  type DocumentIndex,
  type DocumentIndexOptions,
  type DocumentSearchInput,
  type IndexHit,
  type RankedCandidate,
  type TermHashing,
  type VectorCandidate,
} from "./document-index.ts";

export interface PostgresDocumentIndexOptions extends DocumentIndexOptions {
  /** The server's client; its connections' search_path is the configured schema, where the tables go. */
  prisma: PrismaClient;
}

/**
 * Kept out of Prisma's schema like the SQLite index's tables, so both providers own their index
 * the same way. `length` is the chunk's term count (BM25's document length); the tsvector keeps
 * positions, so a term's frequency is the number of its positions.
 */
const schema = [
  `CREATE TABLE IF NOT EXISTS document_index_terms (
    chunk_id text PRIMARY KEY,
    document_id text NOT NULL,
    user_id text NOT NULL,
    length integer NOT NULL,
    terms tsvector NOT NULL
  )`,
  "CREATE INDEX IF NOT EXISTS document_index_terms_search ON document_index_terms USING gin (terms)",
  "CREATE INDEX IF NOT EXISTS document_index_terms_document ON document_index_terms (document_id)",
  "CREATE INDEX IF NOT EXISTS document_index_terms_user ON document_index_terms (user_id)",
  `CREATE TABLE IF NOT EXISTS document_index_vectors (
    chunk_id text PRIMARY KEY,
    document_id text NOT NULL,
    user_id text NOT NULL,
    model text NOT NULL,
    dims integer NOT NULL,
    embedding bytea NOT NULL
  )`,
  "CREATE INDEX IF NOT EXISTS document_index_vectors_document ON document_index_vectors (document_id, model, dims)",
  "CREATE INDEX IF NOT EXISTS document_index_vectors_user ON document_index_vectors (user_id)",
];

/** Two instances starting together must not both create the tables. */
const schemaLockKey = 0x5245_4344; // "RECD"
const k1 = 1.2;
const b = 0.75;
const rowsPerInsert = 500;
/** What a term must look like to go into a tsquery unquoted by SQL: blind terms and the default terms always do. */
const plainTermPattern = /^[\p{L}\p{N}\p{M}]+$/u;

/**
 * BM25 over the searched documents, in one statement. PostgreSQL has no BM25 (its `ts_rank_cd`
 * knows no document frequency, so a rare term weighs no more than a common one): the GIN index
 * finds the chunks holding any query term; marking the query's lexemes (`setweight`) and keeping
 * only those (`ts_filter`) leaves a few lexemes per chunk to unnest for their frequencies (three
 * times faster than unnesting every lexeme); document frequency, chunk count and average length
 * are taken over the chat's documents.
 */
const bm25Statement = `
WITH query AS (SELECT to_tsquery('simple', $3) AS terms, tsvector_to_array(to_tsvector('simple', $4)) AS lexemes),
scope AS (
  SELECT count(*)::float8 AS chunks, coalesce(avg(length), 1)::float8 AS average_length
  FROM document_index_terms WHERE user_id = $1 AND document_id = ANY($2::text[])
),
matched AS (
  SELECT t.chunk_id, t.document_id, t.length, u.lexeme, cardinality(u.positions)::float8 AS frequency
  FROM document_index_terms t CROSS JOIN query q
  CROSS JOIN LATERAL unnest(ts_filter(setweight(t.terms, 'A', q.lexemes), '{a}')) u
  WHERE t.user_id = $1 AND t.document_id = ANY($2::text[]) AND t.terms @@ q.terms
),
holders AS (SELECT lexeme, count(*)::float8 AS chunks FROM matched GROUP BY lexeme)
SELECT m.chunk_id, m.document_id,
  sum(ln(1 + (s.chunks - h.chunks + 0.5) / (h.chunks + 0.5)) * m.frequency * ${k1 + 1}
      / (m.frequency + ${k1} * (1 - ${b} + ${b} * m.length / greatest(s.average_length, 1)))) AS score
FROM matched m JOIN holders h USING (lexeme) CROSS JOIN scope s
GROUP BY m.chunk_id, m.document_id
ORDER BY score DESC, m.chunk_id
LIMIT $5`;

/**
 * The document index on PostgreSQL, through the server's Prisma client (raw queries, parameters
 * only). Full text: blind terms in a tsvector (`to_tsvector('simple', ...)`, GIN index), ranked by
 * BM25 computed in SQL. Vectors: float32 bytea compared in process (cosine) over the chat's
 * documents. Future path: where `pg_available_extensions` lists `vector` (pgvector), a `vector`
 * column with an HNSW index would move the comparison into the database; this machine has none,
 * so the bytea path is the tested one (`vectorExtensionAvailable` reports it at open).
 */
export class PostgresDocumentIndex implements DocumentIndex {
  readonly #prisma: PrismaClient;
  readonly #cipher: TermHashing;
  readonly #terms: (text: string) => string[];
  /** Whether pgvector could be installed here (not used yet: see the class comment). */
  readonly vectorExtensionAvailable: boolean;

  private constructor(options: PostgresDocumentIndexOptions, vectorExtensionAvailable: boolean) {
    this.#prisma = options.prisma;
    this.#cipher = options.cipher;
    this.#terms = options.terms ?? defaultDocumentTerms;
    this.vectorExtensionAvailable = vectorExtensionAvailable;
  }

  /** Creates the index tables when missing. */
  static async open(options: PostgresDocumentIndexOptions): Promise<PostgresDocumentIndex> {
    await options.prisma.$transaction(async (transaction) => {
      await transaction.$queryRawUnsafe(`SELECT pg_advisory_xact_lock(${schemaLockKey})::text`);
      for (const statement of schema) await transaction.$executeRawUnsafe(statement);
    });
    const available = await options.prisma.$queryRawUnsafe<Array<{ name: string }>>("SELECT name FROM pg_available_extensions WHERE name = 'vector'");
    return new PostgresDocumentIndex(options, available.length > 0);
  }

  async add(userId: string, documentId: string, chunks: ReadonlyArray<{ chunkId: string; text: string }>): Promise<void> {
    if (chunks.length === 0) return;
    const hash = await this.#cipher.termHasher(userId);
    const rows = chunks.map((chunk) => {
      const terms = blindTerms(chunk.text, this.#terms, hash);
      return { chunkId: chunk.chunkId, length: terms.length, terms: terms.join(" ") };
    });
    const statements = [];
    for (let start = 0; start < rows.length; start += rowsPerInsert) {
      const batch = rows.slice(start, start + rowsPerInsert);
      statements.push(
        this.#prisma.$executeRawUnsafe(
          `INSERT INTO document_index_terms (chunk_id, document_id, user_id, length, terms)
           SELECT chunk_id, $1, $2, length, to_tsvector('simple', terms)
           FROM unnest($3::text[], $4::int[], $5::text[]) AS rows (chunk_id, length, terms)
           ON CONFLICT (chunk_id) DO UPDATE SET document_id = excluded.document_id, user_id = excluded.user_id, length = excluded.length, terms = excluded.terms`,
          documentId,
          userId,
          batch.map((row) => row.chunkId),
          batch.map((row) => row.length),
          batch.map((row) => row.terms),
        ),
      );
    }
    await this.#prisma.$transaction(statements);
  }

  async addVectors(userId: string, documentId: string, model: string, vectors: ReadonlyArray<{ chunkId: string; vector: Float32Array }>): Promise<void> {
    const statements = [];
    // Grouped by dimension, then sent as one blob cut in SQL: a bytea[] parameter is not portable across drivers.
    const byDimension = new Map<number, Array<{ chunkId: string; vector: Float32Array }>>();
    for (const entry of vectors) {
      const group = byDimension.get(entry.vector.length);
      if (group === undefined) byDimension.set(entry.vector.length, [entry]);
      else group.push(entry);
    }
    for (const [dims, group] of byDimension) {
      for (let start = 0; start < group.length; start += rowsPerInsert) {
        const batch = group.slice(start, start + rowsPerInsert);
        statements.push(
          this.#prisma.$executeRawUnsafe(
            `INSERT INTO document_index_vectors (chunk_id, document_id, user_id, model, dims, embedding)
             SELECT chunk_id, $1, $2, $3, $4::int, substring($5::bytea FROM ((position - 1) * $4::int * 4 + 1)::int FOR $4::int * 4)
             FROM unnest($6::text[]) WITH ORDINALITY AS rows (chunk_id, position)
             ON CONFLICT (chunk_id) DO UPDATE SET document_id = excluded.document_id, user_id = excluded.user_id, model = excluded.model, dims = excluded.dims, embedding = excluded.embedding`,
            documentId,
            userId,
            model,
            dims,
            Buffer.concat(batch.map((entry) => vectorBytes(entry.vector))),
            batch.map((entry) => entry.chunkId),
          ),
        );
      }
    }
    if (statements.length > 0) await this.#prisma.$transaction(statements);
  }

  async search(input: DocumentSearchInput): Promise<IndexHit[]> {
    assertSearchLimit(input.limit);
    if (input.limit === 0 || input.documentIds.length === 0) return [];
    const documentIds = distinctTerms(input.documentIds);
    const bm25 = await this.#rankTerms(input, documentIds);
    let vectors: VectorCandidate[] = [];
    if (wantsVectors(input)) {
      const rows = await this.#prisma.$queryRawUnsafe<Array<{ chunk_id: string; document_id: string; embedding: Uint8Array }>>(
        `SELECT chunk_id, document_id, embedding FROM document_index_vectors
         WHERE user_id = $1 AND model = $2 AND dims = $3 AND document_id = ANY($4::text[])`,
        input.userId,
        input.vectorModel,
        input.queryVector.length,
        documentIds,
      );
      vectors = rankVectors(input.queryVector, rows.map((row) => ({ chunkId: row.chunk_id, documentId: row.document_id, vector: vectorFromBytes(row.embedding) })));
    }
    return fuseCandidates(bm25, vectors, input.limit);
  }

  async removeDocument(documentId: string): Promise<void> {
    await this.#prisma.$transaction([
      this.#prisma.$executeRawUnsafe("DELETE FROM document_index_terms WHERE document_id = $1", documentId),
      this.#prisma.$executeRawUnsafe("DELETE FROM document_index_vectors WHERE document_id = $1", documentId),
    ]);
  }

  async removeUser(userId: string): Promise<void> {
    await this.#prisma.$transaction([
      this.#prisma.$executeRawUnsafe("DELETE FROM document_index_terms WHERE user_id = $1", userId),
      this.#prisma.$executeRawUnsafe("DELETE FROM document_index_vectors WHERE user_id = $1", userId),
    ]);
  }

  /** The Prisma client is the server's: closing the index leaves it open. */
  async close(): Promise<void> {}

  /** Rows and bytes (tables with their indexes and TOAST) of the index, for the benchmark and tests. */
  async storage(): Promise<{ chunks: number; vectors: number; ftsBytes: number; vectorBytes: number }> {
    const [row] = await this.#prisma.$queryRawUnsafe<Array<{ chunks: number; vectors: number; fts_bytes: number; vector_bytes: number }>>(
      `SELECT (SELECT count(*) FROM document_index_terms)::int AS chunks, (SELECT count(*) FROM document_index_vectors)::int AS vectors,
              pg_total_relation_size('document_index_terms')::float8 AS fts_bytes, pg_total_relation_size('document_index_vectors')::float8 AS vector_bytes`,
    );
    return { chunks: row?.chunks ?? 0, vectors: row?.vectors ?? 0, ftsBytes: row?.fts_bytes ?? 0, vectorBytes: row?.vector_bytes ?? 0 };
  }

  async #rankTerms(input: DocumentSearchInput, documentIds: readonly string[]): Promise<RankedCandidate[]> {
    const hash = await this.#cipher.termHasher(input.userId);
    // Terms of other shapes (none come from the default terms) are left out rather than escaped.
    const terms = distinctTerms(blindTerms(input.query, this.#terms, hash)).filter((term) => plainTermPattern.test(term));
    if (terms.length === 0) return [];
    const rows = await this.#prisma.$queryRawUnsafe<Array<{ chunk_id: string; document_id: string }>>(
      bm25Statement,
      input.userId,
      documentIds,
      terms.map((term) => `'${term}'`).join(" | "),
      terms.join(" "),
      candidatesPerRanking,
    );
    return rows.map((row) => ({ chunkId: row.chunk_id, documentId: row.document_id }));
  }
}
