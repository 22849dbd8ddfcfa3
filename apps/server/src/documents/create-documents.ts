import type { DatabaseProvider, PrismaClient } from "@recall/db";
import { createDocumentParser } from "@recall/document-parser";
import type { LlmClient } from "@recall/ollama";
import type { ChatRepository } from "../chat/chat-repository.ts";
import type { ModelCatalog } from "../chat/model-catalog.ts";
import type { FieldCipher } from "../crypto/index.ts";
import type { RecallConfig } from "../env.ts";
import type { JobQueue } from "../jobs/job-queue.ts";
import type { Logger } from "../services.ts";
import type { DocumentIndex } from "./document-index.ts";
import { DocumentService } from "./document-service.ts";
import { EphemeralDocumentStore } from "./ephemeral-document-store.ts";
import { LostIngestionSweep } from "./lost-ingestion-sweep.ts";
import { MemoryDocumentIndex } from "./memory-document-index.ts";
import { PostgresDocumentIndex } from "./postgres-document-index.ts";
import { RoutingDocumentStore } from "./routing-document-store.ts";
import { SavedDocumentStore } from "./saved-document-store.ts";
import { SqliteDocumentIndex } from "./sqlite-document-index.ts";

export interface DocumentsSetup {
  documents: DocumentService;
  close(): Promise<void>;
}

/**
 * Documents composed for one server: the saved store beside the chats (encrypted like them),
 * the temporary chats' store and index in memory, the saved index in the same database (FTS5 and
 * sqlite-vec in SQLite's file, full text in PostgreSQL), the parser's worker pool, and the
 * service over them. Documents left processing by a previous run fail with a way forward.
 */
export async function createDocuments(input: {
  config: RecallConfig;
  prisma: PrismaClient;
  provider: DatabaseProvider;
  cipher: FieldCipher;
  temporaryChats: Pick<ChatRepository, "requireSession" | "sessionIds">;
  chats: Pick<ChatRepository, "requireSession">;
  llm: LlmClient;
  models: ModelCatalog;
  checkUpload: (userId: string) => Promise<void>;
  logger: Logger;
  /** Where saved documents are ingested (`jobs/`); this process when absent. */
  jobs?: JobQueue;
  /** The queue's workers (`worker.ts`): fail documents whose ingest job Redis lost (`lost-ingestion-sweep.ts`). */
  sweepLostIngestion?: boolean;
}): Promise<DocumentsSetup> {
  const { config } = input;
  const settings = config.documents;
  const memoryIndex = new MemoryDocumentIndex({ cipher: input.cipher });
  const savedIndex: DocumentIndex =
    input.provider === "sqlite"
      ? await SqliteDocumentIndex.open({ cipher: input.cipher, databaseUrl: config.databaseUrl })
      : await PostgresDocumentIndex.open({ cipher: input.cipher, prisma: input.prisma });
  const temporary = new EphemeralDocumentStore({
    chats: input.temporaryChats,
    limits: { documentsPerUser: Math.max(1, Math.min(settings.documentsPerChat * 2, 50)), bytesPerUser: Math.max(settings.maxBytes * 2, 8 * 1024 * 1024) },
    onForgotten: (_userId, documentIds) => {
      for (const documentId of documentIds) void memoryIndex.removeDocument(documentId);
    },
  });
  const saved = new SavedDocumentStore(input.prisma, input.cipher);
  const store = new RoutingDocumentStore(saved, temporary);
  const parser = createDocumentParser({
    maxBytes: settings.maxBytes,
    maxPages: settings.maxPages,
    timeoutMs: settings.parseTimeoutMs,
    workerMemoryMb: settings.workerMemoryMb,
    maxZipEntries: 2000,
    maxUncompressedBytes: Math.max(100 * 1024 * 1024, settings.maxBytes * 5),
    maxCompressionRatio: 100,
    workers: settings.workers,
  });
  const summaryModel = config.summaryModel ?? config.defaultModel;
  const documents = new DocumentService(
    { store, savedIndex, memoryIndex, parser, chats: input.chats, llm: input.llm, checkUpload: input.checkUpload, logger: input.logger, cipher: input.cipher, ...(input.jobs ? { jobs: input.jobs } : {}) },
    {
      settings,
      embeddingModel: config.embeddingModel,
      embeddingTimeoutMs: config.embeddingTimeoutMs,
      summaryModel,
      summaryNumCtx: async (model) => (await input.models.runnerOptions(model)).numCtx,
    },
  );
  // On the queue, a document processing may be a live job of another process (or wait for a worker): left alone.
  const failed = input.jobs?.mode === "queue" ? 0 : await documents.recoverInterrupted();
  if (failed > 0) input.logger.warn({ count: failed }, "documents left processing by a previous run were marked failed");
  // ...unless their job is gone: then a worker fails them, once they made no progress for three job locks.
  const sweep =
    input.sweepLostIngestion && input.jobs?.mode === "queue"
      ? new LostIngestionSweep(saved, input.jobs, input.logger, { staleAfterMs: 3 * config.jobs.lockDurationMs, everyMs: Math.max(1000, config.jobs.lockDurationMs) })
      : null;
  sweep?.start();
  return {
    documents,
    async close() {
      await sweep?.stop();
      await documents.idle();
      temporary.close?.();
      await parser.close();
      await savedIndex.close();
      await memoryIndex.close();
    },
  };
}
