import { chunkDocument, judgePassages, type DocumentChunk, type ExtractedDocument } from "@recall/documents";
import type { DocumentParser } from "@recall/document-parser";
import { cleanDocumentName } from "@recall/document-parser";
import type { LlmClient } from "@recall/ollama";
import type { DocumentView, PassageView } from "@recall/schema";
import { isEphemeralId, type ChatRepository } from "../chat/chat-repository.ts";
import { InvalidRequestError, LimitExceededError, NotFoundError, PayloadTooLargeError } from "../domain-errors.ts";
import type { DocumentSettings } from "../env.ts";
import type { Logger } from "../services.ts";
import type { DocumentIndex } from "./document-index.ts";
import type { DocumentRecord, DocumentStage, DocumentStore } from "./document-store.ts";
import { toDocumentView } from "./document-store.ts";
import type { Documents, PassageHit } from "./documents.ts";
import { PlaintextFieldCipher, type FieldCipher } from "../crypto/index.ts";
import { describeError } from "../errors.ts";
import { InProcessJobQueue } from "../jobs/in-process-job-queue.ts";
import { jobId, type JobQueue } from "../jobs/job-queue.ts";
import { summarizeDocument } from "./document-summary.ts";
import { lostIngestionMessage } from "./lost-ingestion-sweep.ts";

export interface DocumentServiceOptions {
  settings: DocumentSettings;
  /** Ollama's `/api/embed` model for passages by meaning; null: BM25 alone. */
  embeddingModel: string | null;
  /** How long a question waits for its embedding before retrieval goes on with BM25 alone. */
  embeddingTimeoutMs: number;
  /** The model that writes the one-time summaries (the summary model, else the default). */
  summaryModel: string;
  /** num_ctx for that model: the one every call to it uses (a different one reloads it). */
  summaryNumCtx: (model: string) => Promise<number>;
}

export interface DocumentServiceDependencies {
  /** Saved documents and temporary chats' documents alike, routed by id. */
  store: DocumentStore;
  /** Saved documents' index (SQLite FTS5 + sqlite-vec, or PostgreSQL). */
  savedIndex: DocumentIndex;
  /** Temporary chats' documents: in memory only. */
  memoryIndex: DocumentIndex;
  parser: DocumentParser;
  /** Every chat, saved or temporary: whether a chat is the caller's. */
  chats: Pick<ChatRepository, "requireSession">;
  llm: LlmClient;
  /** The per-user upload rate (`Limits.checkUpload`). */
  checkUpload: (userId: string) => Promise<void>;
  logger: Logger;
  /**
   * Where saved documents are ingested (`ingest:<documentId>` jobs): this process by default,
   * BullMQ workers in the scaled mode. Temporary chats' documents live in this process's memory,
   * so they, and the one-time summaries that follow ingestion, always run here.
   */
  jobs?: JobQueue;
  /**
   * Seals an upload's bytes in its job (`IngestJob.bytes` under the owner's data key): a queued
   * job sits in Redis until a worker takes it. Plaintext mode (and when absent): base64, as before.
   */
  cipher?: FieldCipher;
}

/**
 * A saved document's ingestion as a job: the bytes travel with it, the rest is read from the
 * store. `bytes` is `FieldCipher.encryptBytes` of the upload: sealed under the owner's data key
 * with encryption on, base64 without.
 */
export interface IngestJob {
  userId: string;
  documentId: string;
  bytes: string;
}


/** Texts embedded per `/api/embed` call: a big document in a few dozen calls, each small enough to fail alone. */
const embedBatch = 16;
/** Candidates asked of the index per passage kept: the judgement below drops the weak ones. */
const candidatesPerPassage = 3;
/** Progress is written at most this often while parsing (a 500-page PDF reports 500 times). */
const progressEveryMs = 250;

/**
 * Documents end to end (the `Documents` port): upload checks, a background pipeline per file
 * (parse in a worker → chunk by structure → save encrypted → index blind terms → embed →
 * ready → summary), retrieval for the reply path, and deletion everywhere a document lives.
 * A document is searched only once it is `ready`; the prompt's overview tells the model about
 * ones still processing, and the UI shows their stage.
 */
export class DocumentService implements Documents {
  private readonly jobs: JobQueue;
  /** Temporary chats' ingestion and every document's summary: always in this process. */
  private readonly local: InProcessJobQueue;
  private readonly cipher: FieldCipher;

  constructor(
    private readonly deps: DocumentServiceDependencies,
    private readonly options: DocumentServiceOptions,
  ) {
    this.local = new InProcessJobQueue({ attempts: 1, backoffMs: 0, logger: deps.logger });
    this.jobs = deps.jobs ?? this.local;
    this.cipher = deps.cipher ?? new PlaintextFieldCipher();
    this.jobs.register<IngestJob>("ingest", (job) => this.ingestSaved(job), { concurrency: options.settings.workers, keepCompleted: false });
    this.local.register<{ record: DocumentRecord; bytes: Uint8Array }>("ingest-temporary", ({ record, bytes }) => this.ingest(record, bytes), {
      concurrency: options.settings.workers,
      keepCompleted: false,
    });
    this.local.register<{ record: DocumentRecord; document: ExtractedDocument }>("document-summary", ({ record, document }) => this.summarize(record, document), { concurrency: 1 });
  }

  /** Documents left `processing` by a server that stopped mid-way: their bytes are gone, so they fail with a way forward. */
  async recoverInterrupted(): Promise<number> {
    return this.deps.store.failInterrupted("corrupt", "The server restarted while reading this file. Upload it again.");
  }

  /** Resolves once every upload so far is processed and summarized (tests, benchmarks, shutdown). */
  async idle(): Promise<void> {
    await this.jobs.idle("ingest");
    await this.local.idle();
  }

  async upload(input: { userId: string; sessionId: string | null; fileName: string; bytes: Uint8Array }): Promise<DocumentView> {
    const { userId, sessionId, bytes } = input;
    const { settings } = this.options;
    await this.deps.checkUpload(userId);
    if (bytes.byteLength === 0) throw new InvalidRequestError("This file is empty. Choose a file with text in it.");
    if (bytes.byteLength > settings.maxBytes) {
      throw new PayloadTooLargeError(`This file is ${describeBytes(bytes.byteLength)}; files are at most ${describeBytes(settings.maxBytes)}.`);
    }
    // Checked and created one upload at a time per user, so concurrent uploads cannot pass a quota together.
    const record = await this.serially(userId, async () => {
      if (sessionId === null || !isEphemeralId(sessionId)) {
        const usage = await this.deps.store.usage(userId);
        if (settings.documentsPerUser > 0 && usage.count >= settings.documentsPerUser) {
          throw new LimitExceededError(`You have ${usage.count} documents, the most allowed. Delete some from your library to upload more.`);
        }
        if (settings.storageBytesPerUser > 0 && usage.bytes + bytes.byteLength > settings.storageBytesPerUser) {
          throw new LimitExceededError(
            `Your documents use ${describeBytes(usage.bytes)} of ${describeBytes(settings.storageBytesPerUser)}; this file does not fit. Delete some from your library first.`,
          );
        }
      }
      if (sessionId !== null) {
        const attached = await this.deps.store.listForChat(userId, sessionId);
        if (attached.length >= settings.documentsPerChat) {
          throw new LimitExceededError(`This chat has ${attached.length} documents, the most allowed. Remove one to add another.`);
        }
      }
      return this.deps.store.create({ userId, sessionId, name: cleanDocumentName(input.fileName), sizeBytes: bytes.byteLength });
    });
    if (isEphemeralId(record.id)) await this.local.enqueue("ingest-temporary", { record, bytes }, { jobId: jobId("ingest", record.id) });
    else {
      const sealed = await this.cipher.encryptBytes(bytes, { field: "IngestJob.bytes", rowId: record.id, userId });
      await this.jobs.enqueue<IngestJob>("ingest", { userId, documentId: record.id, bytes: sealed }, { jobId: jobId("ingest", record.id) });
    }
    return toDocumentView(record);
  }

  async listForChat(userId: string, sessionId: string): Promise<DocumentView[]> {
    // Another user's chat is "not found", as for its messages, not an empty list.
    await this.deps.chats.requireSession(userId, sessionId);
    return (await this.deps.store.listForChat(userId, sessionId)).map(toDocumentView);
  }

  async library(userId: string): Promise<DocumentView[]> {
    return (await this.deps.store.listLibrary(userId)).map(toDocumentView);
  }

  async get(userId: string, documentId: string): Promise<DocumentView> {
    return toDocumentView(await this.owned(userId, documentId));
  }

  async text(userId: string, documentId: string): Promise<{ document: DocumentView; pages: Array<{ number: number; text: string }> }> {
    const record = await this.owned(userId, documentId);
    return { document: toDocumentView(record), pages: await this.deps.store.pages(userId, documentId) };
  }

  async passage(userId: string, chunkId: string): Promise<PassageView> {
    const [chunk] = await this.deps.store.chunks(userId, [chunkId]);
    if (!chunk) throw new NotFoundError("That passage does not exist, or its document was deleted.");
    return chunk;
  }

  async attach(userId: string, documentId: string, sessionId: string): Promise<DocumentView> {
    const record = await this.owned(userId, documentId);
    if (isEphemeralId(documentId) !== isEphemeralId(sessionId)) {
      throw new InvalidRequestError(
        isEphemeralId(sessionId)
          ? "A temporary chat keeps its documents in memory only: upload the file into it instead."
          : "This document belongs to a temporary chat and is gone with it; upload the file again to keep it.",
      );
    }
    if (record.sessionIds.includes(sessionId)) return toDocumentView(record);
    const attached = await this.deps.store.listForChat(userId, sessionId);
    if (attached.length >= this.options.settings.documentsPerChat) {
      throw new LimitExceededError(`This chat has ${attached.length} documents, the most allowed. Remove one to add another.`);
    }
    await this.deps.store.attach(userId, documentId, sessionId);
    return this.get(userId, documentId);
  }

  async detach(userId: string, documentId: string, sessionId: string): Promise<{ deleted: boolean }> {
    const record = await this.owned(userId, documentId);
    const { remainingAttachments } = await this.deps.store.detach(userId, documentId, sessionId);
    if (remainingAttachments > 0 || record.kept) return { deleted: false };
    await this.delete(userId, documentId);
    return { deleted: true };
  }

  async keep(userId: string, documentId: string, kept: boolean): Promise<DocumentView> {
    const record = await this.owned(userId, documentId);
    if (kept && isEphemeralId(documentId)) throw new InvalidRequestError("A temporary chat's documents cannot go to the library: upload the file in a saved chat.");
    if (!kept && record.sessionIds.length === 0) {
      // Nothing would hold it any more: removing it from the library deletes it, as detaching does.
      await this.delete(userId, documentId);
      return { ...toDocumentView(record), kept: false };
    }
    await this.deps.store.setKept(userId, documentId, kept);
    return this.get(userId, documentId);
  }

  async delete(userId: string, documentId: string): Promise<void> {
    await this.owned(userId, documentId);
    await this.deps.store.delete(userId, documentId);
    await this.indexFor(documentId).removeDocument(documentId);
  }

  async search(input: { userId: string; sessionId: string; query: string; limit: number }): Promise<PassageHit[]> {
    if (input.limit <= 0 || input.query.trim().length === 0) return [];
    const documentIds = await this.deps.store.readyDocumentIdsForChat(input.userId, input.sessionId);
    if (documentIds.length === 0) return [];
    const queryVector = await this.embedQuery(input.query);
    const saved = documentIds.filter((id) => !isEphemeralId(id));
    const temporary = documentIds.filter((id) => isEphemeralId(id));
    const candidates = input.limit * candidatesPerPassage;
    const request = { userId: input.userId, query: input.query, queryVector, vectorModel: this.options.embeddingModel, limit: candidates };
    const results = await Promise.all([
      saved.length > 0 ? this.deps.savedIndex.search({ ...request, documentIds: saved }) : [],
      temporary.length > 0 ? this.deps.memoryIndex.search({ ...request, documentIds: temporary }) : [],
    ]);
    const hits = results.flat().sort((left, right) => right.score - left.score).slice(0, candidates);
    if (hits.length === 0) return [];
    const chunks = new Map((await this.deps.store.chunks(input.userId, hits.map((hit) => hit.chunkId))).map((chunk) => [chunk.chunkId, chunk]));
    const found = hits.flatMap((hit) => {
      const chunk = chunks.get(hit.chunkId);
      return chunk ? [{ hit, chunk }] : [];
    });
    const judged = judgePassages(
      input.query,
      found.map(({ hit, chunk }) => ({ text: chunk.text, bm25Rank: hit.bm25Rank, vectorSimilarity: hit.vectorSimilarity })),
    );
    return found.slice(0, input.limit).map(({ hit, chunk }, index) => ({
      chunkId: chunk.chunkId,
      documentId: chunk.documentId,
      documentName: chunk.documentName,
      text: chunk.text,
      pageStart: chunk.pageStart,
      pageEnd: chunk.pageEnd,
      section: chunk.section,
      score: hit.score,
      convincing: judged[index]?.convincing ?? false,
    }));
  }

  /** Passages an earlier turn's prompt held, by id (they stay where they were put). */
  async passages(userId: string, chunkIds: readonly string[], options?: { withText?: boolean }): Promise<PassageView[]> {
    if (chunkIds.length === 0) return [];
    return this.deps.store.chunks(userId, [...chunkIds], options);
  }

  async overview(userId: string, sessionId: string): Promise<Array<{ documentId: string; name: string; pageCount: number | null; summary: string | null; ready: boolean }>> {
    const records = await this.deps.store.listForChat(userId, sessionId);
    return records
      .filter((record) => record.state !== "failed")
      .map((record) => ({ documentId: record.id, name: record.name, pageCount: record.pageCount, summary: record.summary, ready: record.state === "ready" }));
  }

  async chatDeleted(userId: string, sessionId: string): Promise<void> {
    for (const documentId of await this.deps.store.documentsOnlyIn(userId, sessionId)) {
      // A temporary chat's documents may have gone with it already (the in-memory store's sweep).
      await this.deps.store.delete(userId, documentId).catch((error: unknown) => {
        if (!(error instanceof NotFoundError)) throw error;
      });
      await this.indexFor(documentId).removeDocument(documentId);
    }
  }

  async userDeleted(userId: string): Promise<void> {
    await this.deps.store.deleteForUser(userId);
    await Promise.all([this.deps.savedIndex.removeUser(userId), this.deps.memoryIndex.removeUser(userId)]);
  }

  private readonly uploading = new Map<string, Promise<unknown>>();

  /** Runs `task` after the user's previous one on this instance has finished. */
  private async serially<T>(userId: string, task: () => Promise<T>): Promise<T> {
    const previous = this.uploading.get(userId) ?? Promise.resolve();
    const run = previous.then(task, task);
    const settled = run.catch(() => {});
    this.uploading.set(userId, settled);
    try {
      return await run;
    } finally {
      if (this.uploading.get(userId) === settled) this.uploading.delete(userId);
    }
  }

  private async owned(userId: string, documentId: string): Promise<DocumentRecord> {
    const record = await this.deps.store.get(userId, documentId);
    if (!record) throw new NotFoundError("That document does not exist, or it was deleted.");
    return record;
  }

  private indexFor(documentId: string): DocumentIndex {
    return isEphemeralId(documentId) ? this.deps.memoryIndex : this.deps.savedIndex;
  }

  /**
   * A saved document's job, wherever it runs. Idempotent: a document already ready, failed or
   * deleted is left alone, and a retry after a worker died mid-way first takes back what that
   * run indexed (the store replaces the chunks itself).
   */
  private async ingestSaved(job: IngestJob): Promise<void> {
    const record = await this.deps.store.get(job.userId, job.documentId);
    if (!record || record.state !== "processing") return;
    let bytes: Buffer;
    try {
      bytes = await this.cipher.decryptBytes(job.bytes, { field: "IngestJob.bytes", rowId: record.id, userId: record.userId });
    } catch (error) {
      // Retrying cannot help: the bytes are unreadable here, and the server kept no copy.
      this.deps.logger.warn({ documentId: record.id, error: describeError(error) }, "an upload's job could not be decrypted; the document is marked failed");
      await this.deps.store.markFailed(record.id, "corrupt", lostIngestionMessage);
      return;
    }
    await this.deps.savedIndex.removeDocument(record.id);
    // A copy with its own ArrayBuffer: the parser transfers it to its worker thread (Buffer's small-size pool cannot be).
    await this.ingest(record, new Uint8Array(bytes));
  }

  /** Parse → chunk → save → index → embed → ready; then the summary in its own queue. */
  private async ingest(record: DocumentRecord, bytes: Uint8Array): Promise<void> {
    const { store, parser } = this.deps;
    const { id: documentId, userId } = record;
    let lastProgressAt = 0;
    const progress = (stage: DocumentStage, value: number, force = false) => {
      const now = Date.now();
      if (!force && now - lastProgressAt < progressEveryMs) return;
      lastProgressAt = now;
      void store.setProgress(documentId, { stage, progress: value }).catch(() => {});
    };
    progress("parsing", 0.02, true);
    const outcome = await parser.parse(bytes, record.name, (done, total) => progress("parsing", 0.05 + 0.55 * (done / Math.max(1, total))));
    if (!outcome.ok) {
      await store.markFailed(documentId, outcome.refusal.code, outcome.refusal.message);
      return;
    }
    const document = outcome.document;
    if (this.options.settings.maxPages > 0 && document.pageCount > this.options.settings.maxPages) {
      await store.markFailed(documentId, "too_many_pages", `This document has ${document.pageCount} pages; documents are at most ${this.options.settings.maxPages} pages.`);
      return;
    }
    const chunks = chunkDocument(document);
    if (chunks.length === 0) {
      await store.markFailed(documentId, "no_text", "No text was found in this file. If it is a scan, run OCR on it first.");
      return;
    }
    progress("indexing", 0.62, true);
    const chunkIds = await store.saveExtraction(userId, documentId, { kind: document.kind, title: document.title, pageCount: document.pageCount, pages: pageTexts(document), chunks });
    const index = this.indexFor(documentId);
    const indexed = chunks.map((chunk, position) => ({ chunkId: chunkIds[position]!, text: indexText(chunk) }));
    await index.add(userId, documentId, indexed);
    if (this.options.embeddingModel) await this.embedChunks(record, indexed, (share) => progress("embedding", 0.7 + 0.25 * share));
    // Deleted while it was being read: take back what was indexed.
    if (!(await store.get(userId, documentId))) {
      await index.removeDocument(documentId);
      return;
    }
    await store.markReady(documentId);
    if (this.options.settings.summaries) await this.local.enqueue("document-summary", { record, document }, { jobId: jobId("document-summary", documentId) });
  }

  /**
   * Vectors are a bonus: a model that is missing, slow or failing leaves the document searchable
   * by BM25 (it is marked ready all the same), never stuck and never locking the chat.
   */
  private async embedChunks(record: DocumentRecord, chunks: Array<{ chunkId: string; text: string }>, progress: (share: number) => void): Promise<void> {
    const model = this.options.embeddingModel!;
    try {
      for (let start = 0; start < chunks.length; start += embedBatch) {
        const batch = chunks.slice(start, start + embedBatch);
        const vectors = await this.deps.llm.embed(model, batch.map((chunk) => chunk.text));
        await this.indexFor(record.id).addVectors(
          record.userId,
          record.id,
          model,
          batch.map((chunk, position) => ({ chunkId: chunk.chunkId, vector: Float32Array.from(vectors[position] ?? []) })).filter((entry) => entry.vector.length > 0),
        );
        progress((start + batch.length) / chunks.length);
      }
    } catch (error) {
      this.deps.logger.warn({ documentId: record.id, error: error instanceof Error ? error.name : "unknown" }, "document embedding failed; searchable by words only");
    }
  }

  private async summarize(record: DocumentRecord, document: ExtractedDocument): Promise<void> {
    const model = this.options.summaryModel;
    try {
      const summary = await summarizeDocument(this.deps.llm, { model, numCtx: await this.options.summaryNumCtx(model), name: record.name, document });
      if (summary && (await this.deps.store.get(record.userId, record.id))) await this.deps.store.setSummary(record.userId, record.id, summary);
    } catch (error) {
      this.deps.logger.warn({ documentId: record.id, error: error instanceof Error ? error.name : "unknown" }, "document summary failed");
    }
  }

  private async embedQuery(query: string): Promise<Float32Array | null> {
    const model = this.options.embeddingModel;
    if (!model) return null;
    const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), this.options.embeddingTimeoutMs).unref());
    const vector = await Promise.race([this.deps.llm.embed(model, [query]).then((vectors) => vectors[0] ?? null, () => null), timeout]);
    return vector && vector.length > 0 ? Float32Array.from(vector) : null;
  }
}

/** A page's text as "open as extracted text" shows it: blocks separated by blank lines. */
function pageTexts(document: ExtractedDocument): Array<{ number: number; text: string }> {
  return document.pages.map((page) => ({ number: page.number, text: page.blocks.map((block) => block.text).join("\n\n") }));
}

/** What the index sees of a chunk: its section title too, so a question naming a section finds it. */
function indexText(chunk: DocumentChunk): string {
  return chunk.section ? `${chunk.section}\n${chunk.text}` : chunk.text;
}

function describeBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} KB`;
  return `${(bytes / (1024 * 1024)).toLocaleString("en", { maximumFractionDigits: 1 })} MB`;
}
