import type { CreateFastifyContextOptions } from "@trpc/server/adapters/fastify";
import type { UserDataStore } from "../account/user-data-store.ts";
import type { IdentitySigner } from "../auth/identity.ts";
import { readIdentityToken } from "../auth/identity.ts";
import type { ChatStore } from "../chat/chat-store.ts";
import type { EventLogStore } from "../chat/event-log.ts";
import type { GenerationManager } from "../chat/generation.ts";
import type { ModelCatalog } from "../chat/model-catalog.ts";
import type { ContextBuilder } from "../memory/context-builder.ts";
import type { ProfileStore } from "../memory/profile-store.ts";
import type { RecallIndexes } from "../memory/recall-turns.ts";
import type { ServerCache } from "../cache/memory-cache.ts";
import type { ConversationStateCache } from "../memory/conversation-state.ts";
import type { EpisodeService } from "../memory/episodes.ts";
import type { MemoryMetrics } from "../memory/memory-metrics.ts";
import type { SummaryService } from "../memory/summaries.ts";
import type { LlmClient } from "@recall/ollama";
import type { RecallConfig } from "../env.ts";

/** Everything procedures use, built once at start-up. */
export interface Services {
  config: RecallConfig;
  store: ChatStore;
  /** A user's data as a whole: export and erasure. */
  userData: UserDataStore;
  generations: GenerationManager;
  eventLogs: EventLogStore;
  llm: LlmClient;
  models: ModelCatalog;
  contextBuilder: ContextBuilder;
  recallIndexes: RecallIndexes;
  profiles: ProfileStore;
  summaries: SummaryService;
  episodes: EpisodeService;
  cache: ServerCache;
  conversations: ConversationStateCache;
  metrics: MemoryMetrics;
  logger: { warn(object: object, message?: string): void };
  identity: IdentitySigner;
  databaseProvider: "sqlite" | "postgresql";
}

export interface RequestInfo {
  /** Sets a response header (the identity cookie); absent in createCaller tests. */
  setHeader?: (name: string, value: string) => void;
  secure: boolean;
}

export interface Context {
  services: Services;
  userId: string | null;
  request: RequestInfo;
}

/** The request-free part: tests call procedures through `createCaller` with this. */
export function createContextInner(services: Services, userId: string | null, request: RequestInfo = { secure: false }): Context {
  return { services, userId, request };
}

export function createContextFactory(services: Services) {
  return ({ req, res }: CreateFastifyContextOptions): Context => {
    const token = readIdentityToken({ authorization: req.headers.authorization, cookie: req.headers.cookie });
    return createContextInner(services, services.identity.verify(token), {
      setHeader: (name, value) => void res.header(name, value),
      secure: req.protocol === "https",
    });
  };
}
