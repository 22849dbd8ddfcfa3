import { openDatabase, type Database } from "@recall/db";
import type { Clock } from "@recall/memory";
import type { LlmClient } from "@recall/ollama";
import type { ServerCache } from "./cache/memory-cache.ts";
import { LruCache } from "./cache/memory-cache.ts";
import { RedisCache } from "./cache/redis-cache.ts";
import type { ChatRepository } from "./chat/chat-repository.ts";
import type { ModelCatalog } from "./chat/model-catalog.ts";
import { createFieldCipher, loadMasterKeys, PrismaUserKeyStore, type FieldCipher } from "./crypto/index.ts";
import type { RecallConfig } from "./env.ts";
import type { JobQueue } from "./jobs/job-queue.ts";
import { ConversationStateCache } from "./memory/conversation-state.ts";
import { EpisodeService } from "./memory/episodes.ts";
import { ProfileStore } from "./memory/profile-store.ts";
import { SummaryService } from "./memory/summaries.ts";
import type { Logger } from "./services.ts";

/**
 * What a server (`create-recall.ts`) and a job worker (`worker.ts`) both compose: the database
 * with its cipher, the memory services that run as jobs, and the conversation cache their
 * writes invalidate. One place, so a worker's summary is written exactly as a server's would be.
 */

export interface Storage {
  database: Database;
  cipher: FieldCipher;
}

/** Encryption at rest: read (and checked) before the database opens, so a bad key setting fails first. */
export async function openStorage(config: RecallConfig, logger: Logger): Promise<Storage> {
  const masterKeys = await loadMasterKeys({ keys: config.encryptionKeys ?? undefined, keysFile: config.encryptionKeysFile ?? undefined });
  const database = await openDatabase({ url: config.databaseUrl });
  const cipher = createFieldCipher({ masterKeys, store: new PrismaUserKeyStore(database.prisma), legacyPlaintext: config.encryptionLegacyPlaintext });
  if (cipher.mode === "encrypted") logger.info({ encryption: "on" }, cipher.describe());
  else logger.warn({ encryption: "off" }, cipher.describe());
  return { database, cipher };
}

export interface MemoryUpkeep {
  profiles: ProfileStore;
  summaries: SummaryService;
  episodes: EpisodeService;
}

/** The running summary, episodes and profile, with their job handlers registered on `jobs`. */
export function createMemoryUpkeep(input: {
  config: RecallConfig;
  storage: Storage;
  chats: Pick<ChatRepository, "branchHistory">;
  llm: LlmClient;
  models: ModelCatalog;
  jobs: JobQueue;
  logger: Logger;
  clock: Clock;
}): MemoryUpkeep {
  const { config, storage, llm, models, jobs, logger } = input;
  const { prisma } = storage.database;
  // A worker bounds its jobs; in process they start at once, as before there were jobs.
  const concurrency = jobs.mode === "queue" ? config.jobs.workerConcurrency : Number.POSITIVE_INFINITY;
  const profiles = new ProfileStore(prisma, storage.cipher);
  const summaries = new SummaryService(
    prisma,
    input.chats,
    llm,
    models,
    {
      segmentMessages: config.summaryEveryMessages,
      firstSummaryAfterMessages: config.summaryFirstAfterMessages,
      bufferMessages: config.bufferMessages,
      model: config.summaryModel,
      concurrency,
    },
    logger,
    storage.cipher,
    jobs,
  );
  const episodes = new EpisodeService(
    prisma,
    llm,
    models,
    {
      idleAfterMs: config.episodeIdleMs,
      sweepEveryMs: Math.max(200, Math.min(60_000, Math.round(config.episodeIdleMs / 2))),
      recentEpisodes: config.episodesInContext,
      minimumMessages: config.episodeMinimumMessages,
      model: config.summaryModel,
      defaultModel: config.defaultModel,
      concurrency,
    },
    profiles,
    logger,
    input.clock,
    storage.cipher,
    jobs,
  );
  return { profiles, summaries, episodes };
}

/** Redis when configured (shared by every instance and worker), else this process's memory. */
export function createServerCache(config: RecallConfig, logger: Logger): ServerCache {
  return config.redisUrl
    ? new RedisCache({
        url: config.redisUrl,
        database: config.redisDatabase,
        fallbackEntries: config.cacheEntries,
        onStateChange: (state) => logger.warn({ state }, state === "degraded" ? "Redis unreachable: caching in process memory meanwhile" : "Redis connected"),
      })
    : new LruCache(config.cacheEntries);
}

/** The cached conversation state, kept fresh by every write of the memory services. */
export function createConversations(config: RecallConfig, cache: ServerCache, memory: MemoryUpkeep, cipher: FieldCipher): ConversationStateCache {
  const { summaries, episodes, profiles } = memory;
  const conversations = new ConversationStateCache(
    cache,
    config.cacheTtlSeconds,
    {
      summary: (sessionId) => summaries.current(sessionId),
      episodes: (userId, sessionId) => episodes.recent(userId, sessionId),
      profile: async (userId) => (await profiles.list(userId)).map((fact) => ({ id: fact.id, kind: fact.kind, value: fact.value })),
    },
    cipher,
  );
  profiles.onChange = (userId) => conversations.invalidateUser(userId);
  episodes.onWritten = (userId) => conversations.invalidateUser(userId);
  summaries.onWritten = (userId, sessionId) => conversations.invalidateConversation(userId, sessionId);
  return conversations;
}
