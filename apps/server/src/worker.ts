import Fastify from "fastify";
import { systemClock } from "@recall/memory";
import { EphemeralChatStore } from "./chat/ephemeral-store.ts";
import { createLlmClient } from "./chat/llm-client.ts";
import { ModelCatalog } from "./chat/model-catalog.ts";
import { SavedChatStore } from "./chat/saved-chat-store.ts";
import { createConversations, createMemoryUpkeep, createServerCache, openStorage } from "./create-upkeep.ts";
import { createDocuments } from "./documents/create-documents.ts";
import { ConfigError, loadConfig } from "./env.ts";
import { runEntryPoint } from "./entry-point.ts";
import { BullJobQueue } from "./jobs/bullmq-job-queue.ts";
import { createJobQueue } from "./jobs/create-job-queue.ts";

/**
 * The job worker of the scaled mode (`pnpm start:worker`, with RECALL_JOBS=queue and REDIS_URL):
 * runs the summaries, episodes (and the idle-chat sweep that finds them), profile extraction and
 * document ingestion that the servers enqueue. Same settings as the servers. No HTTP but an
 * optional /healthz on RECALL_WORKER_HEALTH_PORT.
 */
async function main() {
  const config = loadConfig();
  if (config.jobs.mode !== "queue") {
    throw new ConfigError("Invalid configuration: the worker runs queued jobs; set RECALL_JOBS=queue and REDIS_URL (the servers need the same settings to enqueue).");
  }
  // A Fastify instance for its logger (the servers' log format) and the optional health listener.
  const app = Fastify({ logger: { level: config.logLevel } });
  const logger = app.log;
  const clock = systemClock;
  const storage = await openStorage(config, logger);
  const { prisma, provider } = storage.database;
  // The same door to Ollama as the servers: with OLLAMA_URLS, the pool (summaries and ingestion use every host).
  const { llm, pool } = createLlmClient(config, config.ollamaUrl, logger);
  const models = new ModelCatalog(llm, { maxContextTokens: config.maxContextTokens, clock });
  const chats = new SavedChatStore(storage.database, storage.cipher);
  const jobs = createJobQueue(config, logger, { runWorkers: true });
  const memory = createMemoryUpkeep({ config, storage, chats, llm, models, jobs, logger, clock });
  const cache = createServerCache(config, logger);
  // Writes here invalidate the servers' cached conversations (the cache is Redis, shared).
  createConversations(config, cache, memory, storage.cipher);
  // Temporary chats live in the servers' memory: none reach a worker.
  const noTemporaryChats = new EphemeralChatStore(config.ephemeralIdleMs);
  const documents = await createDocuments({
    config,
    prisma,
    provider,
    cipher: storage.cipher,
    temporaryChats: noTemporaryChats,
    chats,
    llm,
    models,
    checkUpload: async () => {},
    logger,
    jobs,
    sweepLostIngestion: true,
  });
  memory.episodes.start();
  if (jobs instanceof BullJobQueue) jobs.startWorkers();
  app.get("/healthz", async () => ({ ok: true }));
  const health = config.jobs.workerHealthPort === null ? null : await app.listen({ host: config.host, port: config.jobs.workerHealthPort });
  logger.info({ kinds: ["summary", "episode", "ingest"], health, concurrency: config.jobs.workerConcurrency }, "Recall worker is running");

  return {
    log: (signal: string) => logger.info({ signal }, "worker shutting down: finishing running jobs (or handing them back)"),
    async close() {
      await jobs.close();
      await memory.episodes.stop();
      await documents.close();
      await cache.close();
      noTemporaryChats.close();
      pool?.close();
      await app.close();
      await storage.database.close();
    },
  };
}

runEntryPoint("Recall worker", main);
