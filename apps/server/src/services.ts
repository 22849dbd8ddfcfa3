import type { LlmClient } from "@recall/ollama";
import type { UserStore } from "./account/user-store.ts";
import type { AuthService } from "./auth/auth-service.ts";
import type { IdentitySigner } from "./auth/identity.ts";
import type { ServerCache } from "./cache/memory-cache.ts";
import type { ChatRepository } from "./chat/chat-repository.ts";
import type { EventLogs } from "./chat/event-log.ts";
import type { GenerationManager } from "./chat/generation.ts";
import type { ModelCatalog } from "./chat/model-catalog.ts";
import type { RecallConfig } from "./env.ts";
import type { ChatLifecycle } from "./lifecycle/chat-lifecycle.ts";
import type { ContextBuilder } from "./memory/context-builder.ts";
import type { FieldCipher } from "./crypto/index.ts";
import type { ConversationStateCache } from "./memory/conversation-state.ts";
import type { EpisodeService } from "./memory/episodes.ts";
import type { MemoryMetrics } from "./memory/memory-metrics.ts";
import type { ProfileStore } from "./memory/profile-store.ts";
import type { RecallIndexes } from "./memory/recall-turns.ts";
import type { SummaryService } from "./memory/summaries.ts";
import type { ContentModeration } from "./moderation/content-moderation.ts";
import type { Limits } from "./limits/limits.ts";
import type { RetentionSweeper } from "./lifecycle/retention.ts";
import type { AdminDashboard } from "./admin/admin-dashboard.ts";
import type { Documents } from "./documents/documents.ts";

/**
 * Everything built at start-up (`create-recall.ts`). Routers never see the whole of it:
 * each takes the `Pick` it uses (`router.ts`).
 */
export interface Services {
  config: RecallConfig;
  /** Saved and temporary chats alike, routed by id. */
  chats: ChatRepository;
  users: UserStore;
  /** What happens when a chat or a user is created, deleted, erased or expired. */
  lifecycle: ChatLifecycle;
  generations: GenerationManager;
  /** Replies' event logs: in process, or Redis Streams in the scaled mode (`streams/`). */
  eventLogs: EventLogs;
  llm: LlmClient;
  models: ModelCatalog;
  contextBuilder: ContextBuilder;
  recallIndexes: RecallIndexes;
  profiles: ProfileStore;
  summaries: SummaryService;
  episodes: EpisodeService;
  cache: ServerCache;
  conversations: ConversationStateCache;
  /** Rates, replies in flight, quotas and new users per address (`limits/`). */
  limits: Limits;
  metrics: MemoryMetrics;
  /** The user's message before it is sent, the reply once it ends (off by default). */
  moderation: ContentModeration;
  /** Deletes what the retention settings say has expired (off by default). */
  retention: RetentionSweeper;
  /** Documents in chats and the library (`documents/`). */
  documents: Documents;
  /** Counts for the admin page (never text). */
  adminDashboard: AdminDashboard;
  logger: Logger;
  identity: IdentitySigner;
  /** Sessions, tokens and accounts (`auth/auth-service.ts`). */
  auth: AuthService;
  databaseProvider: "sqlite" | "postgresql";
  /** Encryption at rest (plaintext mode without master keys): the stores encrypt and decrypt through it. */
  encryption: FieldCipher;
}

export interface Logger {
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
}
