/**
 * Document retrieval: query latency and index size of the document index (blind terms, encryption
 * on) for one chat holding every chunk, at 1,000 and 50,000 chunks of ~800 characters, with BM25
 * alone and with 768-dimension vectors fused in. SQLite (FTS5 + sqlite-vec, the default) and
 * PostgreSQL (tsvector + BM25 in SQL, bytea vectors compared in process) when it is reachable.
 *
 * The text is generated (seeded): sentences over a vocabulary of real English function words and
 * content words with a Zipf-like frequency, plus a long tail of rarer made-up words. Queries name
 * 2-4 content words of a random chunk inside a question, as a person asking about a passage would.
 *
 * Queries per row: 200, except where one query scans every vector or every match of the chat in
 * a second or so (SQLite with vectors at 50,000: 100; PostgreSQL at 50,000: 50, with vectors 10;
 * PostgreSQL with vectors at 1,000: 50), so the whole run stays near three minutes.
 *
 * BENCH_RETRIEVAL_SIZES=1000,50000, BENCH_RETRIEVAL_QUERIES=200 (the most per row), BENCH_RETRIEVAL_BACKENDS=sqlite,postgresql.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { updateReadmeSection } from "./shared.ts";
import { cpus } from "node:os";
import { join } from "node:path";
import { createTestDatabase, type TestDatabase } from "@recall/db/testing";
import { createFieldCipher } from "../apps/server/src/crypto/field-cipher.ts";
import { generateMasterKey, parseMasterKeys } from "../apps/server/src/crypto/master-keys.ts";
import { MemoryUserKeyStore } from "../apps/server/src/crypto/memory-user-key-store.ts";
import type { DocumentIndex } from "../apps/server/src/documents/document-index.ts";
import { PostgresDocumentIndex } from "../apps/server/src/documents/postgres-document-index.ts";
import { SqliteDocumentIndex } from "../apps/server/src/documents/sqlite-document-index.ts";
import { createRandom, type Random } from "./memory/random.ts";
import { formatMs, markdownTable, percentile } from "./stats.ts";

const sizes = (process.env.BENCH_RETRIEVAL_SIZES ?? "1000,50000").split(",").map(Number);
const queryCount = Number(process.env.BENCH_RETRIEVAL_QUERIES ?? 200);
const backends = (process.env.BENCH_RETRIEVAL_BACKENDS ?? "sqlite,postgresql").split(",");

/** How many queries a row runs (see the header): fewer where each query reads the whole chat. */
function queriesFor(backend: string, chunkTotal: number, withVectors: boolean): number {
  const large = chunkTotal >= 10_000;
  const budget = backend === "sqlite" ? (withVectors && large ? 100 : 200) : large ? (withVectors ? 10 : 50) : withVectors ? 50 : 200;
  return Math.min(queryCount, budget);
}
const dimensions = 768;
const chunkCharacters = 800;
const resultLimit = 8;
const userId = "bench-user";
const model = "bench-embed";

// Function words (most of them stopwords) and content words, each list roughly by frequency.
const functionWords = (
  "the of and to a in is that for it as with was on be by this are or from at an which but not have has were " +
  "their its can more one all also been other such than these may into between they when there would only over " +
  "two most both after each used should under same any through while where during three those within about"
).split(" ");
const contentWords = (
  "system data model results study time analysis process group value method information report water level energy " +
  "design control market policy health patient treatment cost price service network user project research risk " +
  "sample growth rate temperature pressure surface test quality power material structure function support product " +
  "management government company customer contract payment account budget revenue income tax investment capital " +
  "loan interest insurance employee training safety equipment maintenance inspection pump valve pipe tank engine " +
  "motor sensor signal circuit voltage current battery charge storage memory software hardware server database " +
  "query index protocol security encryption password access license agreement clause party notice period term " +
  "court law regulation compliance audit evidence witness claim damage liability warranty delivery shipment order " +
  "invoice supplier inventory warehouse transport vehicle route schedule station platform passenger ticket fare " +
  "school student teacher course lesson exam grade library book chapter page author reader story language word " +
  "history culture art music film theatre museum city region country border coast river mountain forest soil " +
  "climate weather rain snow wind storm flood drought crop harvest farm animal plant seed fertilizer irrigation " +
  "protein cell gene enzyme molecule bacteria virus infection vaccine dose symptom diagnosis therapy surgery " +
  "hospital clinic nurse doctor medicine drug trial outcome survival mortality population survey interview " +
  "respondent question answer opinion attitude behaviour income household family child parent community village " +
  "election vote candidate parliament minister committee debate budget deficit inflation unemployment wage labour " +
  "trade export import tariff currency exchange bank credit debt bond share stock fund portfolio dividend profit " +
  "loss balance asset equity depreciation forecast estimate target scenario assumption variable parameter " +
  "coefficient regression correlation distribution variance mean median deviation error uncertainty confidence " +
  "interval threshold limit boundary constraint objective optimization algorithm simulation experiment prototype " +
  "calibration measurement accuracy precision resolution frequency spectrum wavelength beam laser lens mirror " +
  "camera image pixel video audio speaker microphone cable antenna satellite orbit rocket launch mission crew"
).split(" ");

/** Content words first, then made-up words from syllables: the rare tail every real corpus has. */
function buildVocabulary(random: Random): string[] {
  const syllables = "ka lo mi ne ru ta vo shi pe da fin gar tor ven mol bex qui zar lun dre sto pha nic wel".split(" ");
  const made = new Set<string>();
  while (made.size < 12_000) made.add(Array.from({ length: random.integer(2, 4) }, () => random.pick(syllables)).join(""));
  return [...contentWords, ...made];
}

/** A Zipf-like sampler (exponent ~1.05) over ranks 0..size-1, from a precomputed cumulative table. */
function zipfSampler(size: number, random: Random): () => number {
  const cumulative = new Float64Array(size);
  let total = 0;
  for (let rank = 0; rank < size; rank += 1) {
    total += 1 / (rank + 1) ** 1.05;
    cumulative[rank] = total;
  }
  return () => {
    const target = random.next() * total;
    let low = 0;
    let high = size - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (cumulative[middle]! < target) low = middle + 1;
      else high = middle;
    }
    return low;
  };
}

interface Corpus {
  chunks: Array<{ documentId: string; chunkId: string; text: string; contentWords: string[] }>;
  documentIds: string[];
  queries: string[];
}

function generateCorpus(chunkTotal: number, seed: number): Corpus {
  const random = createRandom(seed);
  const vocabulary = buildVocabulary(random);
  const sampleContent = zipfSampler(vocabulary.length, random);
  const sampleFunction = zipfSampler(functionWords.length, random);
  const documentCount = Math.max(10, Math.round(chunkTotal / 1000));
  const documentIds = Array.from({ length: documentCount }, (_, index) => `doc-${seed}-${index}`);
  const chunks: Corpus["chunks"] = [];
  for (let index = 0; index < chunkTotal; index += 1) {
    let text = "";
    const words: string[] = [];
    while (text.length < chunkCharacters) {
      const length = random.integer(8, 22);
      const sentence: string[] = [];
      for (let position = 0; position < length; position += 1) {
        if (random.chance(0.45)) sentence.push(functionWords[sampleFunction()]!);
        else {
          const word = vocabulary[sampleContent()]!;
          sentence.push(word);
          words.push(word);
        }
      }
      const first = sentence[0]!;
      sentence[0] = first.charAt(0).toUpperCase() + first.slice(1);
      text += `${sentence.join(" ")}${random.chance(0.15) ? "," : "."} `;
    }
    chunks.push({ documentId: documentIds[index % documentCount]!, chunkId: `chunk-${seed}-${index}`, text: text.trim(), contentWords: words });
  }
  const openings = ["What does the document say about", "Where is", "Find the part on", "Explain", "Summarize what it says on", "How does it describe"];
  const queries = Array.from({ length: queryCount }, () => {
    const chunk = random.pick(chunks);
    const picked = random.shuffle([...new Set(chunk.contentWords)]).slice(0, random.integer(2, 4));
    return `${random.pick(openings)} ${picked.join(" and ")}?`;
  });
  return { chunks, documentIds, queries };
}

function randomVector(random: Random): Float32Array {
  const vector = new Float32Array(dimensions);
  let squares = 0;
  for (let index = 0; index < dimensions; index += 1) {
    const value = random.next() * 2 - 1;
    vector[index] = value;
    squares += value * value;
  }
  const norm = Math.sqrt(squares);
  for (let index = 0; index < dimensions; index += 1) vector[index]! /= norm;
  return vector;
}

interface Row {
  backend: string;
  chunks: number;
  documents: number;
  vectors: boolean;
  queries: number;
  p50Ms: number;
  p99Ms: number;
  meanHits: number;
  ftsBytes: number;
  vectorBytes: number;
  indexSeconds: number;
  vectorSeconds: number;
}

type Opened = { index: DocumentIndex; storage: () => Promise<{ ftsBytes: number; vectorBytes: number }>; database: TestDatabase };

async function openBackend(backend: string): Promise<Opened> {
  const cipher = createFieldCipher({ masterKeys: parseMasterKeys(`1:${generateMasterKey()}`), store: new MemoryUserKeyStore() });
  if (backend === "sqlite") {
    const database = await createTestDatabase({ provider: "sqlite" });
    const index = await SqliteDocumentIndex.open({ databaseUrl: database.url, cipher });
    return { index, storage: async () => index.storage(), database };
  }
  const database = await createTestDatabase({ provider: "postgresql" });
  const index = await PostgresDocumentIndex.open({ prisma: database.prisma, cipher });
  return { index, storage: () => index.storage(), database };
}

async function timeQueries(index: DocumentIndex, corpus: Corpus, queries: readonly string[], vectors: Float32Array[] | null): Promise<{ times: number[]; hits: number }> {
  const times: number[] = [];
  let hits = 0;
  for (const [position, query] of queries.entries()) {
    const started = performance.now();
    const found = await index.search({
      userId,
      documentIds: corpus.documentIds,
      query,
      queryVector: vectors ? vectors[position % vectors.length]! : null,
      vectorModel: vectors ? model : null,
      limit: resultLimit,
    });
    times.push(performance.now() - started);
    hits += found.length;
  }
  return { times, hits: hits / Math.max(queries.length, 1) };
}

async function measure(backend: string, chunkTotal: number): Promise<Row[]> {
  const corpus = generateCorpus(chunkTotal, 7);
  const opened = await openBackend(backend);
  try {
    const { index } = opened;
    let started = performance.now();
    const byDocument = new Map<string, Array<{ chunkId: string; text: string }>>();
    for (const chunk of corpus.chunks) {
      const list = byDocument.get(chunk.documentId);
      if (list === undefined) byDocument.set(chunk.documentId, [chunk]);
      else list.push(chunk);
    }
    for (const [documentId, chunks] of byDocument) {
      for (let start = 0; start < chunks.length; start += 500) await index.add(userId, documentId, chunks.slice(start, start + 500));
    }
    const indexSeconds = (performance.now() - started) / 1000;
    const ftsOnly = await opened.storage();
    // Warm-up (statement caches, page cache), not measured.
    const textQueries = corpus.queries.slice(0, queriesFor(backend, chunkTotal, false));
    await timeQueries(index, corpus, textQueries.slice(0, 5), null);
    const bm25 = await timeQueries(index, corpus, textQueries, null);

    const random = createRandom(11);
    started = performance.now();
    for (const [documentId, chunks] of byDocument) {
      for (let start = 0; start < chunks.length; start += 250) {
        await index.addVectors(userId, documentId, model, chunks.slice(start, start + 250).map((chunk) => ({ chunkId: chunk.chunkId, vector: randomVector(random) })));
      }
    }
    const vectorSeconds = (performance.now() - started) / 1000;
    const withVectors = await opened.storage();
    const queryVectors = Array.from({ length: 20 }, () => randomVector(random));
    const vectorQueries = corpus.queries.slice(0, queriesFor(backend, chunkTotal, true));
    await timeQueries(index, corpus, vectorQueries.slice(0, 3), queryVectors);
    const fused = await timeQueries(index, corpus, vectorQueries, queryVectors);

    const base = { backend, chunks: chunkTotal, documents: corpus.documentIds.length, indexSeconds, vectorSeconds };
    return [
      { ...base, vectors: false, queries: textQueries.length, p50Ms: percentile(bm25.times, 0.5), p99Ms: percentile(bm25.times, 0.99), meanHits: bm25.hits, ftsBytes: ftsOnly.ftsBytes, vectorBytes: 0 },
      { ...base, vectors: true, queries: vectorQueries.length, p50Ms: percentile(fused.times, 0.5), p99Ms: percentile(fused.times, 0.99), meanHits: fused.hits, ftsBytes: withVectors.ftsBytes, vectorBytes: withVectors.vectorBytes },
    ];
  } finally {
    await opened.index.close();
    await opened.database.close();
  }
}

const megabytes = (bytes: number): string => `${(bytes / 1_048_576).toFixed(1)} MB`;
const integer = (value: number): string => Math.round(value).toLocaleString("en-US");

function section(rows: readonly Row[], skipped: readonly string[]): string {
  const table = markdownTable(
    ["backend", "chunks (documents)", "ranking", "queries", "p50 ms", "p99 ms", "full-text index", "vectors", "bytes per chunk", "indexing"],
    rows.map((row) => [
      row.backend === "sqlite" ? "SQLite (FTS5, sqlite-vec)" : "PostgreSQL (tsvector, bytea)",
      `${integer(row.chunks)} (${row.documents})`,
      row.vectors ? `BM25 + ${dimensions}-d vectors (RRF)` : "BM25",
      row.queries,
      formatMs(row.p50Ms),
      formatMs(row.p99Ms),
      megabytes(row.ftsBytes),
      row.vectors ? megabytes(row.vectorBytes) : "-",
      integer((row.ftsBytes + row.vectorBytes) / row.chunks),
      row.vectors ? `${row.vectorSeconds.toFixed(1)} s vectors` : `${row.indexSeconds.toFixed(1)} s text`,
    ]),
  );
  const notes = [
    `One user, one chat holding every chunk (all its documents searched), encryption on: every term is a per-user HMAC (blind term) before it reaches the database. ` +
      `Chunks of ~${chunkCharacters} characters of generated text (seeded; Zipf-like vocabulary of ${contentWords.length} English content words and 12,000 rarer made-up words, plus function words); ` +
      `queries name 2-4 content words of a random chunk in a question; ${resultLimit} results, up to 50 candidates per ranking. Latency is the index's search call in process (hashing the query included), one query at a time.`,
    "Full-text index: SQLite's FTS5 tables plus the chunk rows holding the blind terms (their content), with indexes; PostgreSQL's table with its tsvector, GIN and b-tree indexes (pg_total_relation_size). Vectors: float32, 3,072 bytes each before row overhead.",
    "SQLite compares vectors exactly with sqlite-vec's vec_distance_cosine over the chat's rows; PostgreSQL reads the chat's vectors (bytea) and compares them in process (no pgvector here). " +
      "PostgreSQL has no BM25: the index computes it in SQL (GIN finds the chunks with a query term, unnest(tsvector) gives term frequencies), which grows with the number of matching chunks.",
    ...skipped,
  ];
  return `${table}\n\n${notes.join("\n\n")}`;
}

async function main(): Promise<void> {
  const started = performance.now();
  const rows: Row[] = [];
  const skipped: string[] = [];
  for (const backend of backends) {
    for (const size of sizes) {
      try {
        const measured = await measure(backend, size);
        rows.push(...measured);
        for (const row of measured) console.log(`${backend} ${row.chunks} ${row.vectors ? "vectors" : "bm25"}: p50 ${formatMs(row.p50Ms)} ms, p99 ${formatMs(row.p99Ms)} ms`);
      } catch (error) {
        if (backend !== "postgresql") throw error;
        skipped.push(`PostgreSQL at ${integer(size)} chunks not measured: ${(error as Error).message.split("\n")[0]}`);
      }
    }
  }
  const output = `Document retrieval latency and index size; ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, Node ${process.version}.\n\n${section(rows, skipped)}\n`;
  console.log(`\n${output}`);
  console.log(`total: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const resultsDir = new URL("./results/", import.meta.url).pathname;
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, "retrieval-latency.md"), output);
  updateReadmeSection("retrieval-latency", output);
  writeFileSync(
    join(resultsDir, "retrieval-latency.json"),
    `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cores: cpus().length, dimensions, chunkCharacters, resultLimit, rows }, null, 2)}\n`,
  );
}

await main();
