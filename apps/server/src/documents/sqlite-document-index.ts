import { parseDatabaseUrl } from "@recall/db";
import Database from "better-sqlite3";
import * as sqliteVec from "sqlite-vec";
import {
  assertSearchLimit,
  blindTerms,
  candidatesPerRanking,
  defaultDocumentTerms,
  distinctTerms,
  fuseCandidates,
  scopeToken,
  vectorBytes,
  wantsVectors,
  type DocumentIndex,
  type DocumentIndexOptions,
  type DocumentSearchInput,
  type IndexHit,
  type RankedCandidate,
  type TermHashing,
  type VectorCandidate,
} from "./document-index.ts";

export interface SqliteDocumentIndexOptions extends DocumentIndexOptions {
  /** The DATABASE_URL the server opened with Prisma (`file:` URL or path): the index lives in the same file. */
  databaseUrl: string;
  /** How long a write waits for Prisma's write lock before giving up (10 s by default). */
  writeTimeoutMs?: number;
}

/**
 * Our own tables, beside Prisma's (its adapter cannot load extensions, so they are not in its
 * schema). `document_terms` is an FTS5 index whose content is `document_term_rows`: the blind
 * terms are stored once, there, and the FTS index keeps its posting lists. The rows are also what
 * a delete needs: FTS5's secure-delete removes a row's terms from the index b-tree only when it is
 * told them (a contentless table only marks rows deleted and keeps their terms until a merge).
 * `scope` holds the document's scope token, weighted 0 in bm25: a search that finds too few of the
 * chat's chunks among the best matches of everything runs again intersected with the chat's scope.
 */
const schema = `
CREATE TABLE IF NOT EXISTS document_term_rows (
  id INTEGER PRIMARY KEY,
  chunk_id TEXT NOT NULL UNIQUE,
  document_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  terms TEXT NOT NULL,
  scope TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS document_term_rows_document ON document_term_rows (document_id);
CREATE INDEX IF NOT EXISTS document_term_rows_user ON document_term_rows (user_id);
CREATE VIRTUAL TABLE IF NOT EXISTS document_terms USING fts5(
  terms, scope, content='document_term_rows', content_rowid='id', tokenize='unicode61 remove_diacritics 0'
);
CREATE TABLE IF NOT EXISTS document_vectors (
  chunk_id TEXT NOT NULL PRIMARY KEY,
  document_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  model TEXT NOT NULL,
  dims INTEGER NOT NULL,
  embedding BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS document_vectors_document ON document_vectors (document_id, model, dims);
CREATE INDEX IF NOT EXISTS document_vectors_user ON document_vectors (user_id);
`;

/**
 * A short busy timeout: better-sqlite3 waits synchronously, and a wait that blocks the event loop
 * could hold up the very Prisma transaction it waits for. Writes retry asynchronously instead.
 */
const busyTimeoutMs = 25;
const defaultWriteTimeoutMs = 10_000;

/**
 * The document index on the server's SQLite file, through its own better-sqlite3 connection
 * (WAL, secure_delete, sqlite-vec loaded). Full text: FTS5 over blind terms ranked by `bm25()`.
 * Vectors: float32 blobs compared exactly with `vec_distance_cosine` over the chat's documents.
 */
export class SqliteDocumentIndex implements DocumentIndex {
  readonly filePath: string;
  readonly #db: Database.Database;
  readonly #cipher: TermHashing;
  readonly #terms: (text: string) => string[];
  readonly #writeTimeoutMs: number;
  readonly #statements: ReturnType<typeof prepareStatements>;

  private constructor(db: Database.Database, filePath: string, options: SqliteDocumentIndexOptions) {
    this.#db = db;
    this.filePath = filePath;
    this.#cipher = options.cipher;
    this.#terms = options.terms ?? defaultDocumentTerms;
    this.#writeTimeoutMs = options.writeTimeoutMs ?? defaultWriteTimeoutMs;
    this.#statements = prepareStatements(db);
  }

  /** Opens the file the server's Prisma client already created and migrated, and creates the index tables. */
  static async open(options: SqliteDocumentIndexOptions): Promise<SqliteDocumentIndex> {
    const target = parseDatabaseUrl(options.databaseUrl);
    if (target.provider !== "sqlite") throw new TypeError("SqliteDocumentIndex needs a SQLite database URL.");
    // fileMustExist: Prisma's start-up made it with mode 0600; creating it here would use the umask.
    const db = new Database(target.filePath, { fileMustExist: true });
    try {
      db.pragma("journal_mode = WAL");
      db.pragma(`busy_timeout = ${busyTimeoutMs}`);
      db.pragma("synchronous = NORMAL");
      db.pragma("secure_delete = ON");
      sqliteVec.load(db);
      await writeWithRetry(db, options.writeTimeoutMs ?? defaultWriteTimeoutMs, () => {
        db.exec(schema);
        // Deleted terms are removed from the FTS index b-tree itself, not only marked deleted.
        db.prepare("INSERT INTO document_terms(document_terms, rank) VALUES('secure-delete', 1)").run();
      });
      return new SqliteDocumentIndex(db, target.filePath, options);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  async add(userId: string, documentId: string, chunks: ReadonlyArray<{ chunkId: string; text: string }>): Promise<void> {
    if (chunks.length === 0) return;
    const hash = await this.#cipher.termHasher(userId);
    const rows = chunks.map((chunk) => ({ chunkId: chunk.chunkId, terms: blindTerms(chunk.text, this.#terms, hash).join(" ") }));
    const scope = scopeToken(documentId);
    const statements = this.#statements;
    await this.#write(() => {
      for (const row of rows) {
        deleteTermRows(statements, statements.rowOfChunk.all(row.chunkId) as StoredTermRow[]);
        const { lastInsertRowid } = statements.insertRow.run(row.chunkId, documentId, userId, row.terms, scope);
        statements.insertTerms.run(lastInsertRowid, row.terms, scope);
      }
    });
  }

  async addVectors(userId: string, documentId: string, model: string, vectors: ReadonlyArray<{ chunkId: string; vector: Float32Array }>): Promise<void> {
    if (vectors.length === 0) return;
    await this.#write(() => {
      for (const { chunkId, vector } of vectors) this.#statements.upsertVector.run(chunkId, documentId, userId, model, vector.length, vectorBytes(vector));
    });
  }

  async search(input: DocumentSearchInput): Promise<IndexHit[]> {
    assertSearchLimit(input.limit);
    if (input.limit === 0 || input.documentIds.length === 0) return [];
    const documentIds = JSON.stringify(input.documentIds);
    const bm25 = await this.#searchTerms(input);
    let vectors: VectorCandidate[] = [];
    if (wantsVectors(input)) {
      const rows = this.#statements.searchVectors.all(vectorBytes(input.queryVector), input.userId, input.vectorModel, input.queryVector.length, documentIds, candidatesPerRanking) as Array<{
        chunk_id: string;
        document_id: string;
        distance: number;
      }>;
      vectors = rows.map((row) => ({ chunkId: row.chunk_id, documentId: row.document_id, similarity: 1 - row.distance }));
    }
    return fuseCandidates(bm25, vectors, input.limit);
  }

  async removeDocument(documentId: string): Promise<void> {
    await this.#write(() => {
      deleteTermRows(this.#statements, this.#statements.rowsOfDocument.all(documentId) as StoredTermRow[]);
      this.#statements.deleteVectorsOfDocument.run(documentId);
    });
  }

  async removeUser(userId: string): Promise<void> {
    await this.#write(() => {
      deleteTermRows(this.#statements, this.#statements.rowsOfUser.all(userId) as StoredTermRow[]);
      this.#statements.deleteVectorsOfUser.run(userId);
    });
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  /** This connection's settings, read back: what the tests check. */
  connectionSettings(): { journalMode: string; busyTimeoutMs: number; secureDelete: boolean; ftsSecureDelete: boolean } {
    const config = this.#db.prepare("SELECT v FROM document_terms_config WHERE k = 'secure-delete'").get() as { v: number } | undefined;
    return {
      journalMode: String(this.#db.pragma("journal_mode", { simple: true })),
      busyTimeoutMs: Number(this.#db.pragma("busy_timeout", { simple: true })),
      secureDelete: Number(this.#db.pragma("secure_delete", { simple: true })) === 1,
      ftsSecureDelete: Number(config?.v) === 1,
    };
  }

  /** Rows and bytes of the index tables (dbstat), for the benchmark and tests. */
  storage(): { chunks: number; vectors: number; ftsBytes: number; vectorBytes: number } {
    const sizes = this.#db.prepare("SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name").all() as Array<{ name: string; bytes: number }>;
    const bytesOf = (test: (name: string) => boolean): number => sizes.filter((row) => test(row.name)).reduce((sum, row) => sum + row.bytes, 0);
    return {
      chunks: (this.#db.prepare("SELECT COUNT(*) AS n FROM document_term_rows").get() as { n: number }).n,
      vectors: (this.#db.prepare("SELECT COUNT(*) AS n FROM document_vectors").get() as { n: number }).n,
      // Tables, their indexes and SQLite's automatic unique indexes ("sqlite_autoindex_document_term_rows_1").
      ftsBytes: bytesOf((name) => name.includes("document_terms") || name.includes("document_term_rows")),
      vectorBytes: bytesOf((name) => name.includes("document_vectors")),
    };
  }

  /**
   * BM25 candidates in two steps: FTS5 ranks rowids alone (a join inside the ranking query costs
   * ten times more at 50,000 chunks), then their rows are read and kept when they are the user's
   * and in the chat. When the chat's documents are a small part of what matches (a large library),
   * too few survive: the query runs again limited to the chat's scope tokens, which FTS5 intersects
   * with the terms' posting lists (slower when the chat holds many documents, hence second).
   */
  async #searchTerms(input: DocumentSearchInput): Promise<RankedCandidate[]> {
    const hash = await this.#cipher.termHasher(input.userId);
    const terms = distinctTerms(blindTerms(input.query, this.#terms, hash));
    if (terms.length === 0) return [];
    const inChat = new Set(input.documentIds);
    const termsQuery = `terms : (${ftsAlternatives(terms)})`;
    const widest = candidatesPerRanking * 4;
    const ranked = this.#statements.rankTerms.all(termsQuery, widest) as Array<{ id: number }>;
    const kept = this.#keepInChat(ranked, input.userId, inChat);
    if (kept.length >= candidatesPerRanking || ranked.length < widest) return kept.slice(0, candidatesPerRanking);
    const scoped = this.#statements.rankTerms.all(`${termsQuery} AND scope : (${ftsAlternatives([...inChat].map(scopeToken))})`, widest) as Array<{ id: number }>;
    return this.#keepInChat(scoped, input.userId, inChat).slice(0, candidatesPerRanking);
  }

  /** The ranked rows that are the user's and in the chat, in rank order. */
  #keepInChat(ranked: ReadonlyArray<{ id: number }>, userId: string, inChat: ReadonlySet<string>): RankedCandidate[] {
    if (ranked.length === 0) return [];
    const rows = this.#statements.rowsById.all(JSON.stringify(ranked.map((row) => row.id))) as Array<{ id: number; chunk_id: string; document_id: string; user_id: string }>;
    const byId = new Map(rows.map((row) => [row.id, row]));
    const kept: RankedCandidate[] = [];
    for (const { id } of ranked) {
      const row = byId.get(id);
      if (row !== undefined && row.user_id === userId && inChat.has(row.document_id)) kept.push({ chunkId: row.chunk_id, documentId: row.document_id });
    }
    return kept;
  }

  #write(work: () => void): Promise<void> {
    return writeWithRetry(this.#db, this.#writeTimeoutMs, work);
  }
}

/** An immediate write transaction, retried asynchronously while another connection holds the write lock. */
async function writeWithRetry(db: Database.Database, timeoutMs: number, work: () => void): Promise<void> {
  const transaction = db.transaction(work);
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt += 1) {
    try {
      transaction.immediate();
      return;
    } catch (error) {
      if (!isBusy(error) || Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(5 * 2 ** attempt, 100)));
    }
  }
}

function prepareStatements(db: Database.Database) {
  return {
    rowOfChunk: db.prepare("SELECT id, terms, scope FROM document_term_rows WHERE chunk_id = ?"),
    rowsOfDocument: db.prepare("SELECT id, terms, scope FROM document_term_rows WHERE document_id = ?"),
    rowsOfUser: db.prepare("SELECT id, terms, scope FROM document_term_rows WHERE user_id = ?"),
    insertRow: db.prepare("INSERT INTO document_term_rows (chunk_id, document_id, user_id, terms, scope) VALUES (?, ?, ?, ?, ?)"),
    insertTerms: db.prepare("INSERT INTO document_terms (rowid, terms, scope) VALUES (?, ?, ?)"),
    // An external-content FTS5 table is told what it indexed, so secure-delete can take the terms out.
    deleteTerms: db.prepare("INSERT INTO document_terms (document_terms, rowid, terms, scope) VALUES ('delete', ?, ?, ?)"),
    deleteRow: db.prepare("DELETE FROM document_term_rows WHERE id = ?"),
    upsertVector: db.prepare(
      `INSERT INTO document_vectors (chunk_id, document_id, user_id, model, dims, embedding) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (chunk_id) DO UPDATE SET document_id = excluded.document_id, user_id = excluded.user_id, model = excluded.model, dims = excluded.dims, embedding = excluded.embedding`,
    ),
    deleteVectorsOfDocument: db.prepare("DELETE FROM document_vectors WHERE document_id = ?"),
    deleteVectorsOfUser: db.prepare("DELETE FROM document_vectors WHERE user_id = ?"),
    rankTerms: db.prepare("SELECT rowid AS id FROM document_terms WHERE document_terms MATCH ? ORDER BY bm25(document_terms, 1.0, 0.0), rowid LIMIT ?"),
    rowsById: db.prepare("SELECT id, chunk_id, document_id, user_id FROM document_term_rows WHERE id IN (SELECT value FROM json_each(?))"),
    searchVectors: db.prepare(
      `SELECT chunk_id, document_id, vec_distance_cosine(embedding, ?) AS distance
       FROM document_vectors
       WHERE user_id = ? AND model = ? AND dims = ? AND document_id IN (SELECT value FROM json_each(?))
       ORDER BY distance, chunk_id LIMIT ?`,
    ),
  };
}

interface StoredTermRow {
  id: number;
  terms: string;
  scope: string;
}

function deleteTermRows(statements: ReturnType<typeof prepareStatements>, rows: readonly StoredTermRow[]): void {
  for (const row of rows) {
    statements.deleteTerms.run(row.id, row.terms, row.scope);
    statements.deleteRow.run(row.id);
  }
}

/**
 * `"a" OR "b"`, for `terms : (...)` and `scope : (...)`. Every term is a quoted string with its
 * quotes doubled, so nothing in a query (quotes, NEAR, *, ^, parentheses, column names) is FTS5 syntax.
 */
export function ftsAlternatives(values: readonly string[]): string {
  return values.map((value) => `"${value.replaceAll('"', '""')}"`).join(" OR ");
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === "SQLITE_BUSY" || code === "SQLITE_BUSY_SNAPSHOT" || code === "SQLITE_LOCKED";
}
