/**
 * Retrieval quality without an LLM: recall@5 and MRR@10 of Recall's document index (SQLite FTS5
 * over blind terms, encryption on; vectors; the two fused by reciprocal rank) against a
 * substring baseline and an in-memory BM25, on the seeded generator (planted answers,
 * paraphrased questions, distractor documents) and on a SQuAD 2.0 dev subset (CC BY-SA 4.0,
 * bench/documents/squad). The embedding signal is the fake Ollama's `/api/embed`: hashed words
 * and character trigrams, a lexical signal, not a semantic one (no embedding model runs here).
 * Writes bench/results/documents.{md,json}.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chunkDocument, type DocumentChunk } from "@recall/documents";
import { createTestDatabase } from "@recall/db/testing";
import { startFakeOllama } from "@recall/fake-ollama";
import { Ollama } from "ollama";
import { createFieldCipher } from "../apps/server/src/crypto/field-cipher.ts";
import { generateMasterKey, parseMasterKeys } from "../apps/server/src/crypto/master-keys.ts";
import { MemoryUserKeyStore } from "../apps/server/src/crypto/memory-user-key-store.ts";
import { SqliteDocumentIndex } from "../apps/server/src/documents/sqlite-document-index.ts";
import { bm25Ranker, evaluateRanker, substringRanker, type EvaluationSet, type Ranker } from "./documents/evaluate.ts";
import { generateRetrievalSet, type NamedDocument } from "./documents/generate.ts";
import { loadSquadRetrievalSet } from "./documents/squad/load.ts";
import { updateReadmeSection } from "./shared.ts";
import { markdownTable } from "./stats.ts";

type DocumentSet = Omit<EvaluationSet, "documents"> & { documents: readonly NamedDocument[] };

const embeddingModel = "nomic-embed-text";
const userId = "bench-user";

/** Recall's index for one set: every chunk added once (with vectors), then searched per question. */
async function indexRankers(set: DocumentSet, chunks: DocumentChunk[][]): Promise<{ rankers: Array<[string, Ranker]>; close: () => Promise<void> }> {
  const database = await createTestDatabase({ provider: "sqlite" });
  const cipher = createFieldCipher({ masterKeys: parseMasterKeys(`1:${generateMasterKey()}`), store: new MemoryUserKeyStore() });
  const index = await SqliteDocumentIndex.open({ cipher, databaseUrl: database.url });
  const fake = await startFakeOllama({ recordRequests: false });
  const ollama = new Ollama({ host: fake.url });
  const documentIds = set.documents.map((_, documentIndex) => `doc${documentIndex}`);
  for (const [documentIndex, documentChunks] of chunks.entries()) {
    const entries = documentChunks.map((chunk) => ({ chunkId: `${documentIndex}:${chunk.ordinal}`, text: chunk.section ? `${chunk.section}\n${chunk.text}` : chunk.text }));
    await index.add(userId, `doc${documentIndex}`, entries);
    for (let start = 0; start < entries.length; start += 32) {
      const batch = entries.slice(start, start + 32);
      const { embeddings } = await ollama.embed({ model: embeddingModel, input: batch.map((entry) => entry.text) });
      await index.addVectors(userId, `doc${documentIndex}`, embeddingModel, batch.map((entry, position) => ({ chunkId: entry.chunkId, vector: Float32Array.from(embeddings[position]!) })));
    }
  }
  const search = (mode: "bm25" | "vectors" | "fused"): Ranker => async (query) => {
    const queryVector = mode === "bm25" ? null : Float32Array.from((await ollama.embed({ model: embeddingModel, input: [query] })).embeddings[0]!);
    const hits = await index.search({ userId, documentIds, query: mode === "vectors" ? "" : query, queryVector, vectorModel: queryVector ? embeddingModel : null, limit: 10 });
    const ranked = mode === "vectors" ? hits.filter((hit) => hit.vectorSimilarity !== null).sort((left, right) => right.vectorSimilarity! - left.vectorSimilarity!) : hits;
    return ranked.map((hit) => hit.chunkId);
  };
  return {
    rankers: [
      ["Recall: FTS5 BM25 (blind terms)", search("bm25")],
      ["Recall: vectors (fake embeddings)", search("vectors")],
      ["Recall: fused (RRF)", search("fused")],
    ],
    async close() {
      await index.close();
      await fake.close();
      await database.close();
    },
  };
}

const sets: Array<[string, DocumentSet]> = [
  ...[1, 2, 3].map((seed): [string, DocumentSet] => [`generated, seed ${seed}`, generateRetrievalSet(seed)]),
  ["SQuAD 2.0 dev, first 5 articles", loadSquadRetrievalSet()],
];

const rows: string[][] = [];
const json: Array<{ set: string; ranker: string; kind: string; questions: number; recallAt5: number; mrrAt10: number }> = [];
for (const [setName, set] of sets) {
  const chunks = set.documents.map((document) => chunkDocument(document));
  const real = await indexRankers(set, chunks);
  try {
    const rankers: Array<[string, Ranker]> = [["substring baseline", substringRanker], ["in-memory BM25 baseline", bm25Ranker], ...real.rankers];
    for (const [rankerName, ranker] of rankers) {
      const evaluation = await evaluateRanker(set, chunks, ranker);
      const overall = evaluation.overall;
      json.push({ set: setName, ranker: rankerName, kind: "all answerable", ...overall });
      for (const [kind, metrics] of Object.entries(evaluation.byKind)) json.push({ set: setName, ranker: rankerName, kind, ...metrics });
      const paraphrase = evaluation.byKind.paraphrase;
      rows.push([
        setName,
        rankerName,
        String(overall.questions),
        `${(overall.recallAt5 * 100).toFixed(1)}%`,
        overall.mrrAt10.toFixed(3),
        paraphrase ? `${(paraphrase.recallAt5 * 100).toFixed(1)}%` : "n/a",
      ]);
    }
  } finally {
    await real.close();
  }
}

const table = markdownTable(["set", "ranker", "answerable questions", "recall@5", "MRR@10", "recall@5, paraphrased questions"], rows);
const output = `### Retrieval quality\n\nChunks from the documents policy's chunker (about 800 characters, 120 overlap); a question is answered at rank r when the r-th passage holds its planted answer. The vector signal is the fake Ollama's hashed words and character trigrams (lexical, not semantic): no embedding model runs on this machine.\n\n${table}\n`;
console.log(output);
const resultsDirectory = new URL("./results/", import.meta.url).pathname;
mkdirSync(resultsDirectory, { recursive: true });
writeFileSync(join(resultsDirectory, "documents.md"), output);
writeFileSync(join(resultsDirectory, "documents.json"), `${JSON.stringify(json, null, 2)}\n`);
updateReadmeSection("documents", output);
