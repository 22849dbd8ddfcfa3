import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createTestDatabase, type TestDatabase } from "@recall/db/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createFieldCipher, type FieldCipher } from "../crypto/field-cipher.ts";
import { generateMasterKey, parseMasterKeys } from "../crypto/master-keys.ts";
import { MemoryUserKeyStore } from "../crypto/memory-user-key-store.ts";
import type { DocumentIndex, DocumentSearchInput } from "./document-index.ts";
import { MemoryDocumentIndex } from "./memory-document-index.ts";
import { PostgresDocumentIndex } from "./postgres-document-index.ts";
import { SqliteDocumentIndex } from "./sqlite-document-index.ts";

const canary = "zqxcanary7731";

interface Subject {
  index: DocumentIndex;
  /** Rows left in every table of the index (all users). */
  rows(): Promise<{ chunks: number; vectors: number }>;
  /** Everything the index has written to disk, as bytes or text; null for the in-memory index. */
  atRest(): Promise<string[] | null>;
  /** Empties the index between tests. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

type Opener = (cipher: FieldCipher) => Promise<Subject>;

async function openMemory(cipher: FieldCipher): Promise<Subject> {
  let index = new MemoryDocumentIndex({ cipher });
  const subject: Subject = {
    index,
    rows: async () => index.size,
    atRest: async () => null,
    reset: async () => {
      index = new MemoryDocumentIndex({ cipher });
      subject.index = index;
    },
    close: () => index.close(),
  };
  return subject;
}

async function openSqlite(cipher: FieldCipher): Promise<Subject> {
  const database = await createTestDatabase({ provider: "sqlite" });
  const index = await SqliteDocumentIndex.open({ databaseUrl: database.url, cipher });
  const file = fileURLToPath(database.url);
  const count = async (table: string): Promise<number> => Number((await database.prisma.$queryRawUnsafe<Array<{ n: bigint | number }>>(`SELECT count(*) AS n FROM ${table}`))[0]?.n ?? 0);
  return {
    index,
    rows: async () => {
      const chunks = await count("document_term_rows");
      // The FTS table's own row records must go with the chunk rows.
      expect(await count("document_terms_docsize")).toBe(chunks);
      return { chunks, vectors: await count("document_vectors") };
    },
    atRest: async () => [file, `${file}-wal`].filter((path) => existsSync(path)).map((path) => readFileSync(path).toString("latin1")),
    reset: async () => {
      await database.prisma.$executeRawUnsafe("INSERT INTO document_terms(document_terms) VALUES('delete-all')");
      await database.prisma.$executeRawUnsafe("DELETE FROM document_term_rows");
      await database.prisma.$executeRawUnsafe("DELETE FROM document_vectors");
    },
    close: async () => {
      await index.close();
      await database.close();
    },
  };
}

async function openPostgres(cipher: FieldCipher): Promise<Subject> {
  const database: TestDatabase = await createTestDatabase({ provider: "postgresql" });
  const index = await PostgresDocumentIndex.open({ prisma: database.prisma, cipher });
  const count = async (table: string): Promise<number> => (await database.prisma.$queryRawUnsafe<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM ${table}`))[0]?.n ?? 0;
  return {
    index,
    rows: async () => ({ chunks: await count("document_index_terms"), vectors: await count("document_index_vectors") }),
    atRest: async () => [
      ...(await database.prisma.$queryRawUnsafe<Array<{ text: string }>>("SELECT t::text AS text FROM document_index_terms t")).map((row) => row.text),
      ...(await database.prisma.$queryRawUnsafe<Array<{ text: string }>>("SELECT v::text AS text FROM document_index_vectors v")).map((row) => row.text),
    ],
    reset: async () => {
      await database.prisma.$executeRawUnsafe("DELETE FROM document_index_terms");
      await database.prisma.$executeRawUnsafe("DELETE FROM document_index_vectors");
    },
    close: async () => {
      await index.close();
      await database.close();
    },
  };
}

const implementations: Array<[string, Opener]> = [
  ["memory", openMemory],
  ["sqlite", openSqlite],
  ["postgresql", openPostgres],
];

const encryptedCipher = (): FieldCipher => createFieldCipher({ masterKeys: parseMasterKeys(`1:${generateMasterKey()}`), store: new MemoryUserKeyStore() });
const plaintextCipher = (): FieldCipher => createFieldCipher({ masterKeys: null, store: new MemoryUserKeyStore() });

const search = (index: DocumentIndex, input: Partial<DocumentSearchInput> & Pick<DocumentSearchInput, "userId" | "documentIds" | "query">) =>
  index.search({ queryVector: null, vectorModel: null, limit: 10, ...input });

const tideChunks = [
  { chunkId: "tide-1", text: "Tide tables for the harbour: the tide turns at noon, and the tide is high at six." },
  { chunkId: "tide-2", text: "The harbour master posts the tide times; the tide matters for every boat." },
  { chunkId: "tide-3", text: "A spring tide brings a higher tide than usual along the harbour wall." },
  { chunkId: "tide-4", text: "Boats leave the harbour on the morning tide when the tide is rising." },
  { chunkId: "zephyr", text: "A note on the zephyr that crosses the harbour in the afternoon." },
];

/** Unit vectors along an axis, nudged: the nearest to axis 0 is `axis(0)`. */
const axis = (dimension: number, size = 8): Float32Array => Float32Array.from({ length: size }, (_, index) => (index === dimension ? 1 : 0.01));

for (const [mode, makeCipher] of [
  ["encrypted", encryptedCipher],
  ["plaintext", plaintextCipher],
] as const) {
  describe.each(implementations)(`document index contract: %s (${mode})`, (_name, open) => {
    let cipher: FieldCipher;
    let subject: Subject;

    beforeAll(async () => {
      cipher = makeCipher();
      subject = await open(cipher);
    });

    afterAll(async () => {
      await subject.close();
    });

    beforeEach(async () => {
      await subject.reset();
    });

    it("ranks the chunk with the query's rare term first (document frequency counts, not repetition)", async () => {
      await subject.index.add("alice", "harbour", tideChunks);
      const hits = await search(subject.index, { userId: "alice", documentIds: ["harbour"], query: "Where did the zephyr and the tide meet?" });
      expect(hits[0]?.chunkId).toBe("zephyr");
      expect(hits[0]).toMatchObject({ documentId: "harbour", bm25Rank: 1, vectorSimilarity: null });
      expect(hits.map((hit) => hit.chunkId).sort()).toEqual(tideChunks.map((chunk) => chunk.chunkId).sort());
      for (let position = 1; position < hits.length; position += 1) expect(hits[position]!.score).toBeLessThanOrEqual(hits[position - 1]!.score);
      expect(await search(subject.index, { userId: "alice", documentIds: ["harbour"], query: "zephyr", limit: 1 })).toHaveLength(1);
      expect(await search(subject.index, { userId: "alice", documentIds: ["harbour"], query: "the and of" })).toEqual([]);
    });

    it("searches only the given documents of that user: another user's identical chunks never appear", async () => {
      await subject.index.add("alice", "alice-doc", [{ chunkId: "alice-1", text: "The lighthouse keeper logged every storm." }]);
      await subject.index.add("alice", "alice-other", [{ chunkId: "alice-2", text: "The lighthouse keeper logged every storm." }]);
      await subject.index.add("mallory", "mallory-doc", [{ chunkId: "mallory-1", text: "The lighthouse keeper logged every storm." }]);
      await subject.index.addVectors("mallory", "mallory-doc", "embed", [{ chunkId: "mallory-1", vector: axis(0) }]);
      const hits = await search(subject.index, {
        userId: "alice",
        documentIds: ["alice-doc", "mallory-doc"],
        query: "lighthouse keeper storm",
        queryVector: axis(0),
        vectorModel: "embed",
      });
      expect(hits.map((hit) => hit.chunkId)).toEqual(["alice-1"]);
      expect(await search(subject.index, { userId: "alice", documentIds: ["mallory-doc"], query: "lighthouse", queryVector: axis(0), vectorModel: "embed" })).toEqual([]);
      expect(await search(subject.index, { userId: "alice", documentIds: [], query: "lighthouse" })).toEqual([]);
      expect((await search(subject.index, { userId: "mallory", documentIds: ["mallory-doc"], query: "lighthouse" })).map((hit) => hit.chunkId)).toEqual(["mallory-1"]);
    });

    it("finds the chat's chunk even when hundreds of better matches sit in the user's library and another user's documents", async () => {
      const crowd = (prefix: string) => Array.from({ length: 260 }, (_, index) => ({ chunkId: `${prefix}-${index}`, text: "harbour harbour harbour" }));
      await subject.index.add("alice", "library", crowd("library"));
      await subject.index.add("mallory", "elsewhere", crowd("elsewhere"));
      await subject.index.add("alice", "chat", [{ chunkId: "chat-1", text: "The harbour appears once among many other words about boats, nets, gulls and weather." }]);
      const hits = await search(subject.index, { userId: "alice", documentIds: ["chat"], query: "harbour" });
      expect(hits.map((hit) => hit.chunkId)).toEqual(["chat-1"]);
      expect(await search(subject.index, { userId: "alice", documentIds: ["chat", "library"], query: "harbour", limit: 60 })).toHaveLength(50);
    });

    it("removeDocument and removeUser leave no rows behind", async () => {
      await subject.index.add("alice", "first", tideChunks);
      await subject.index.addVectors("alice", "first", "embed", tideChunks.map((chunk, index) => ({ chunkId: chunk.chunkId, vector: axis(index) })));
      await subject.index.add("alice", "second", [{ chunkId: "second-1", text: "A second document about the harbour." }]);
      await subject.index.addVectors("alice", "second", "embed", [{ chunkId: "second-1", vector: axis(6) }]);
      await subject.index.add("bob", "bobs", [{ chunkId: "bob-1", text: "Bob's harbour notes." }]);
      await subject.index.addVectors("bob", "bobs", "embed", [{ chunkId: "bob-1", vector: axis(7) }]);
      expect(await subject.rows()).toEqual({ chunks: 7, vectors: 7 });

      await subject.index.removeDocument("first");
      expect(await subject.rows()).toEqual({ chunks: 2, vectors: 2 });
      expect(await search(subject.index, { userId: "alice", documentIds: ["first", "second"], query: "harbour tide zephyr" })).toEqual([
        expect.objectContaining({ chunkId: "second-1" }),
      ]);

      await subject.index.removeUser("alice");
      expect(await subject.rows()).toEqual({ chunks: 1, vectors: 1 });
      expect(await search(subject.index, { userId: "alice", documentIds: ["second"], query: "harbour", queryVector: axis(6), vectorModel: "embed" })).toEqual([]);
      await subject.index.removeUser("bob");
      expect(await subject.rows()).toEqual({ chunks: 0, vectors: 0 });
    });

    it("fuses vectors with BM25: a chunk sharing no word with the query is found by its vector", async () => {
      await subject.index.add("alice", "harbour", tideChunks);
      await subject.index.add("alice", "harbour", [{ chunkId: "quiet", text: "Nothing in common with the question at all." }]);
      const chunks = [...tideChunks.map((chunk) => chunk.chunkId), "quiet"];
      await subject.index.addVectors("alice", "harbour", "embed", chunks.map((chunkId, index) => ({ chunkId, vector: chunkId === "quiet" ? axis(0) : axis(index + 1) })));
      const query = { userId: "alice", documentIds: ["harbour"], query: "zephyr" };
      expect((await search(subject.index, query)).map((hit) => hit.chunkId)).toEqual(["zephyr"]);
      const hits = await search(subject.index, { ...query, queryVector: axis(0), vectorModel: "embed" });
      const quiet = hits.find((hit) => hit.chunkId === "quiet");
      expect(quiet).toMatchObject({ bm25Rank: null, documentId: "harbour" });
      expect(quiet?.vectorSimilarity).toBeCloseTo(1, 3);
      // Found by both rankings, the zephyr chunk outranks the one found by its vector alone.
      expect(hits[0]).toMatchObject({ chunkId: "zephyr", bm25Rank: 1 });
      expect(hits[0]?.vectorSimilarity).not.toBeNull();
      expect(hits[1]?.chunkId).toBe("quiet");
    });

    it("ignores vectors of another model or dimension", async () => {
      await subject.index.add("alice", "doc", [
        { chunkId: "a", text: "apples" },
        { chunkId: "b", text: "bananas" },
        { chunkId: "c", text: "cherries" },
      ]);
      await subject.index.addVectors("alice", "doc", "embed-small", [{ chunkId: "a", vector: axis(0) }]);
      await subject.index.addVectors("alice", "doc", "embed", [{ chunkId: "b", vector: axis(1) }]);
      await subject.index.addVectors("alice", "doc", "embed", [{ chunkId: "c", vector: axis(0, 4) }]);
      const hits = await search(subject.index, { userId: "alice", documentIds: ["doc"], query: "grapes", queryVector: axis(0), vectorModel: "embed" });
      expect(hits.map((hit) => hit.chunkId)).toEqual(["b"]);
      expect(hits[0]?.vectorSimilarity).toBeLessThan(0.5);
    });

    it("replaces a chunk indexed again under the same id", async () => {
      await subject.index.add("alice", "doc", [{ chunkId: "a", text: "old words about sailing" }]);
      await subject.index.add("alice", "doc", [{ chunkId: "a", text: "new words about rowing" }]);
      expect(await search(subject.index, { userId: "alice", documentIds: ["doc"], query: "sailing" })).toEqual([]);
      expect((await search(subject.index, { userId: "alice", documentIds: ["doc"], query: "rowing" })).map((hit) => hit.chunkId)).toEqual(["a"]);
      expect(await subject.rows()).toEqual({ chunks: 1, vectors: 0 });
    });

    it("never throws on queries full of FTS5 and tsquery syntax, and still finds the words in them", async () => {
      await subject.index.add("alice", "doc", [{ chunkId: "a", text: "The lighthouse near the harbour had a bright lamp." }, ...tideChunks]);
      const queries = [
        '"lighthouse', 'lighthouse"', "lighthouse*", "NEAR(lighthouse lamp)", "(lighthouse", "lighthouse)", "^lighthouse", "lighthouse AND OR NOT",
        "terms:lighthouse", "scope : lighthouse", "-lighthouse +lamp", "'lighthouse'", "lighthouse & | ! <-> :*", "lighthouse\\", '""', "*", "NEAR", "{terms}: x",
      ];
      for (const query of queries) {
        const hits = await search(subject.index, { userId: "alice", documentIds: ["doc"], query });
        if (/lighthouse/.test(query)) expect(hits[0]?.chunkId, query).toBe("a");
      }
    });

    it("after the user's key is erased, the stored terms match nothing", async () => {
      await subject.index.add("alice", "doc", tideChunks);
      await cipher.eraseUser("alice");
      const hits = await search(subject.index, { userId: "alice", documentIds: ["doc"], query: "zephyr tide" });
      if (cipher.mode === "encrypted") expect(hits).toEqual([]);
      else expect(hits[0]?.chunkId).toBe("zephyr");
    });

    it(mode === "encrypted" ? "stores no word of the text: a canary is nowhere at rest" : "stores the words themselves (the canary check's control)", async () => {
      await subject.index.add("alice", "doc", [{ chunkId: "a", text: `My password hint is ${canary} and the harbour.` }]);
      await subject.index.addVectors("alice", "doc", "embed", [{ chunkId: "a", vector: axis(0) }]);
      expect((await search(subject.index, { userId: "alice", documentIds: ["doc"], query: canary }))[0]?.chunkId).toBe("a");
      const stored = await subject.atRest();
      if (stored === null) return;
      expect(stored.length).toBeGreaterThan(0);
      const found = stored.filter((text) => text.toLowerCase().includes(canary));
      if (mode === "encrypted") expect(found).toEqual([]);
      else expect(found.length).toBeGreaterThan(0);
    });
  });
}

describe("sqlite document index on disk", () => {
  let database: TestDatabase;
  let index: SqliteDocumentIndex;

  beforeEach(async () => {
    database = await createTestDatabase({ provider: "sqlite" });
    index = await SqliteDocumentIndex.open({ databaseUrl: database.url, cipher: plaintextCipher() });
    return async () => {
      await index.close();
      await database.close();
    };
  });

  it("uses WAL, secure_delete, the server's file, and sqlite-vec", async () => {
    expect(index.filePath).toBe(fileURLToPath(database.url));
    await index.addVectors("alice", "doc", "embed", [{ chunkId: "a", vector: axis(0) }]);
    expect(index.connectionSettings()).toEqual({ journalMode: "wal", busyTimeoutMs: 25, secureDelete: true, ftsSecureDelete: true });
    // Prisma's connection sees the index's tables: one file.
    const [row] = await database.prisma.$queryRawUnsafe<Array<{ n: bigint | number }>>("SELECT count(*) AS n FROM document_vectors");
    expect(Number(row?.n)).toBe(1);
    expect(index.storage()).toMatchObject({ chunks: 0, vectors: 1 });
  });

  it("deleted terms leave the file: after removeDocument and a checkpoint, the plaintext canary is gone", async () => {
    const file = fileURLToPath(database.url);
    const bytes = (): string => [file, `${file}-wal`].filter((path) => existsSync(path)).map((path) => readFileSync(path).toString("latin1")).join("");
    await index.add("alice", "keep", tideChunks);
    await index.add("alice", "secret", [{ chunkId: "s", text: `The ${canary} plan for the harbour tide.` }]);
    expect(bytes()).toContain(canary);
    await index.add("alice", "keep", [{ chunkId: "later", text: "A later chunk about the harbour." }]);
    await index.removeDocument("secret");
    await database.prisma.$queryRawUnsafe("PRAGMA wal_checkpoint(TRUNCATE)");
    expect(bytes()).not.toContain(canary);
    expect((await index.search({ userId: "alice", documentIds: ["keep"], query: "tide", queryVector: null, vectorModel: null, limit: 10 })).length).toBe(4);
  });

  it("writes while Prisma holds the write lock wait for it instead of failing", async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const transaction = database.prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe("CREATE TABLE lock_probe (id INTEGER)");
      await held;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const adding = index.add("alice", "doc", [{ chunkId: "a", text: "written after the lock" }]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    release();
    await transaction;
    await adding;
    expect(index.storage().chunks).toBe(1);
  });
});
