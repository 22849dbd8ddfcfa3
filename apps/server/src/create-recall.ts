import { systemClock, type Clock } from "@recall/memory";
import type { FastifyInstance } from "fastify";
import { DeletedDataScrubber } from "./account/deleted-data.ts";
import { UserStore } from "./account/user-store.ts";
import { buildApp, createHttpServer } from "./app.ts";
import { AuthService } from "./auth/auth-service.ts";
import { IdentitySigner } from "./auth/identity.ts";
import { resolveSecret } from "./auth/secret.ts";
import { SessionStore } from "./auth/session-store.ts";
import { EphemeralChatStore } from "./chat/ephemeral-store.ts";
import { RoutingChatRepository } from "./chat/routing-chat-repository.ts";
import { SavedChatStore } from "./chat/saved-chat-store.ts";
import { createReplyStreams } from "./streams/create-streams.ts";
import { GenerationManager } from "./chat/generation.ts";
import { createLlmClient } from "./chat/llm-client.ts";
import { openSharedModelSlots } from "./limits/shared-model-slots.ts";
import { ModelCatalog } from "./chat/model-catalog.ts";
import { ContextBuilder } from "./memory/context-builder.ts";
import { RecallIndexes } from "./memory/recall-turns.ts";
import type { ServerCache } from "./cache/memory-cache.ts";
import { MemoryMetrics } from "./memory/memory-metrics.ts";
import { AdminDashboard } from "./admin/admin-dashboard.ts";
import { PrismaAdminStatsStore } from "./admin/admin-stats.ts";
import { ContentModeration } from "./moderation/content-moderation.ts";
import { createModerator } from "./moderation/create-moderator.ts";
import { PrismaRetentionStore } from "./lifecycle/prisma-retention-store.ts";
import { RetentionSweeper } from "./lifecycle/retention.ts";
import { createOperations, type OperationsOptions } from "./ops/operations.ts";
import type { RecallConfig } from "./env.ts";
import { ChatLifecycle } from "./lifecycle/chat-lifecycle.ts";
import { createDocuments } from "./documents/create-documents.ts";
import { applyServerLimits, createLimits, prismaUsageCounts } from "./limits/index.ts";
import type { Logger, Services } from "./services.ts";
import { createConversations, createMemoryUpkeep, createServerCache, openStorage } from "./create-upkeep.ts";
import { createJobQueue } from "./jobs/create-job-queue.ts";

export interface Recall {
  app: FastifyInstance;
  services: Services;
  /** Stops generations (saving them `interrupted`), closes HTTP, the database and any demo model. */
  close(): Promise<void>;
}

export interface RecallOptions {
  /** Where upkeep reads the time (idle chats, abandoned replies, `/api/ps` freshness); tests move it. */
  clock?: Clock;
  /** Metrics, readiness and request logs (`ops/operations.ts`). */
  operations?: OperationsOptions;
}

/** The composition root: every real dependency is made here and nowhere else. */
export async function createRecall(config: RecallConfig, options: RecallOptions = {}): Promise<Recall> {
  const clock = options.clock ?? systemClock;
  // Before anything that logs: every service logs through the server's own pino logger.
  const app = createHttpServer(config, options.operations?.logDestination);
  const logger: Logger = app.log;
  let ollamaUrl = config.ollamaUrl;
  let closeDemo: (() => Promise<void>) | null = null;
  if (config.demoFakeOllama) {
    // Loaded only in demo mode: production never runs the fake.
    const { startFakeOllama } = await import("@recall/fake-ollama");
    const { demoReply } = await import("./chat/demo-replies.ts");
    const fake = await startFakeOllama({
      tokensPerSecond: 30,
      firstTokenLatencyMs: 250,
      replyTokens: 60,
      // Summaries and episodes ask for JSON: the fake answers those itself.
      reply: (request) => (request.format ? undefined : demoReply(request.lastUserMessage)),
    });
    ollamaUrl = fake.url;
    closeDemo = () => fake.close();
  }

  const storage = await openStorage(config, logger);
  const { database, cipher } = storage;
  const scrubber = new DeletedDataScrubber(database.prisma, database.provider);
  const ephemeral = new EphemeralChatStore(config.ephemeralIdleMs);
  const savedChats = new SavedChatStore(database, cipher);
  const chats = new RoutingChatRepository(savedChats, ephemeral);
  const users = new UserStore(database.prisma);
  // Demo mode talks to its own fake alone.
  const { llm, pool: ollamaPool } = createLlmClient(config.demoFakeOllama ? { ...config, ollamaHosts: null } : config, ollamaUrl, logger);
  // Replies' event logs, leases and stop requests: in process, or in Redis (RECALL_EVENT_LOG=redis).
  const streams = createReplyStreams({ ...config, retainFinishedMs: 60_000 }, logger);
  const eventLogs = streams.eventLogs;
  const models = new ModelCatalog(llm, { maxContextTokens: config.maxContextTokens, clock });
  const operations = createOperations({ metricsToken: config.metricsToken, requestLog: config.requestLog, readinessTimeoutMs: config.readinessTimeoutMs, ...options.operations }, { database: database.prisma, ollamaUrl, ollamaHosts: ollamaPool?.hosts ?? null, redis: config.redisUrl ? { url: config.redisUrl, database: config.redisDatabase } : null });
  // Limits: rates shared through Redis when configured; replies queue for this instance's slots.
  const limitsSetup = await createLimits(app, config.limits, {
    redis: config.redisUrl ? { url: config.redisUrl, database: config.redisDatabase } : null,
    counts: prismaUsageCounts(database.prisma, ephemeral),
    metrics: operations.metrics,
    logger,
  });
  applyServerLimits(app.server, config.limits, operations.metrics);
  // Replies run at most as many at once as the pool's healthy hosts have slots; the rest wait, fairly.
  if (ollamaPool) limitsSetup.limits.generations.followCapacity(ollamaPool);
  // Scaled mode: those slots counted across instances in Redis, so N instances never queue inside Ollama.
  const sharedSlots = openSharedModelSlots(config, ollamaPool, logger);
  if (sharedSlots) limitsSetup.limits.generations.shareSlots(sharedSlots.slots);
  const generations = new GenerationManager(chats, llm, eventLogs, config, logger, clock, operations.metrics, limitsSetup.limits.generations, streams.coordinator);
  const embeddingModel = config.embeddingModel;
  const recallIndexes = new RecallIndexes(
    (userId) => savedChats.recallTurns(userId),
    config.recallCachedUsers,
    embeddingModel ? (texts) => llm.embed(embeddingModel, texts) : null,
  );
  // With encryption on, search reads the decrypted turns the recall index already holds.
  savedChats.searchTurns = async (userId) => (await recallIndexes.get(userId)).turns.values();
  // Background work: in this process by default; with RECALL_JOBS=queue this server only enqueues and `worker.ts` runs it.
  const jobs = createJobQueue(config, logger, { runWorkers: false });
  const memory = createMemoryUpkeep({ config, storage, chats, llm, models, jobs, logger, clock });
  const { profiles, summaries, episodes } = memory;
  // The idle-chat sweep runs where episodes are written: here, or in the workers.
  if (jobs.mode === "in-process") episodes.start();
  const cache: ServerCache = createServerCache(config, logger);
  const conversations = createConversations(config, cache, memory, cipher);
  const contextBuilder = new ContextBuilder(models, recallIndexes, conversations, {
    ...config,
    embedQuery: embeddingModel ? async (text) => (await llm.embed(embeddingModel, [text]))[0] ?? [] : undefined,
  }, clock);
  const metrics = new MemoryMetrics(cache, summaries, episodes, clock);
  operations.metrics.observe({ cache, summaries, episodes, generations, memory: metrics, ollamaPool });
  const secret = resolveSecret(config.secret, config.dataDir);
  const identity = new IdentitySigner(secret);
  const auth = new AuthService(new SessionStore(database.prisma), identity, secret, config.adminUsers, clock);
  const documentsSetup = await createDocuments({
    config,
    prisma: database.prisma,
    provider: database.provider,
    cipher,
    temporaryChats: ephemeral,
    chats,
    llm,
    models,
    checkUpload: (userId) => limitsSetup.limits.checkUpload(userId),
    logger,
    jobs,
  });
  const documents = documentsSetup.documents;
  const lifecycle = new ChatLifecycle({ chats, users, generations, recallIndexes, summaries, episodes, profiles, conversations, logger, keys: cipher, scrubber, sessions: auth, hooks: documents });
  const moderator = createModerator(
    { rules: config.moderationRules ?? undefined, model: config.moderationModel ?? undefined, fail: config.moderationFail, timeoutMs: config.moderationTimeoutMs, numCtx: config.moderationNumCtx },
    llm,
  );
  const moderation = new ContentModeration(moderator, operations.metrics, moderator.summary !== "off");
  logger.info({ moderation: moderator.summary }, "moderation");
  const retention = new RetentionSweeper(
    new PrismaRetentionStore(database.prisma),
    lifecycle,
    { chatsMs: config.retainChatsMs, anonymousUsersMs: config.retainAnonymousUsersMs, emptyUsersMs: config.retainEmptyUsersMs, sweepEveryMs: config.retentionSweepMs },
    clock,
    logger,
    async (userId) => (await ephemeral.sessionIds(userId)).length > 0,
  );
  retention.start();
  const adminDashboard = new AdminDashboard(new PrismaAdminStatsStore(database.prisma, database.provider), metrics, operations.metrics, generations);
  const services: Services = {
    // The master keys stay here: no service needs them once the cipher is built.
    config: { ...config, ollamaUrl, encryptionKeys: null },
    chats,
    users,
    lifecycle,
    generations,
    eventLogs,
    llm,
    models,
    contextBuilder,
    recallIndexes,
    profiles,
    summaries,
    episodes,
    cache,
    conversations,
    limits: limitsSetup.limits,
    metrics,
    moderation,
    retention,
    adminDashboard,
    documents,
    logger,
    identity,
    auth,
    databaseProvider: database.provider,
    encryption: cipher,
  };
  // One process: whatever a previous run left streaming can no longer finish. Several instances:
  // only replies whose instance stopped renewing their lease (another instance's are live).
  const interrupted = streams.mode === "memory" ? await savedChats.interruptOrphanedStreams() : 0;
  streams.startOrphanRecovery(savedChats, (messageId) => generations.isActive(messageId));
  await buildApp(app, services, operations);
  if (interrupted > 0) app.log.warn({ count: interrupted }, "marked replies left streaming by a previous run as interrupted");
  if (config.demoFakeOllama) app.log.warn("DEMO MODE: replies come from Recall's fake Ollama, not a real model");

  let closing: Promise<void> | null = null;
  return {
    app,
    services,
    close() {
      closing ??= (async () => {
        await retention.stop();
        await generations.shutdown();
        await sharedSlots?.close();
        await streams.close();
        await summaries.idle();
        await documentsSetup.close();
        await episodes.stop();
        await jobs.close();
        await cache.close();
        await limitsSetup.close();
        ollamaPool?.close();
        ephemeral.close();
        await app.close();
        eventLogs.clear();
        await database.close();
        await closeDemo?.();
      })();
      return closing;
    },
  };
}
