import { limits } from "@recall/schema";
import type { AppRouter } from "@recall/server";
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from "@trpc/client";
import type { TRPCLink } from "@trpc/client";
import type { inferRouterOutputs } from "@trpc/server";
import { createTRPCContext } from "@trpc/tanstack-react-query";

export type RouterOutputs = inferRouterOutputs<AppRouter>;
export type ChatSession = RouterOutputs["session"]["list"]["items"][number];
export type ChatMessage = RouterOutputs["message"]["thread"]["messages"][number];
/** Every message of a chat, all branches, oldest first. */
export type ChatThread = RouterOutputs["message"]["thread"];
export type SearchHit = RouterOutputs["session"]["search"]["items"][number];
export type ModelCatalog = RouterOutputs["models"]["list"];
export type ModelEntry = ModelCatalog["models"][number];
export type OllamaStatus = ModelCatalog["ollama"];
export type ReplyContext = RouterOutputs["message"]["context"];
/** A document as the chat's list and the library show it. */
export type ChatDocument = RouterOutputs["document"]["list"][number];
export type DocumentText = RouterOutputs["document"]["text"];
export type DocumentPassage = RouterOutputs["document"]["passage"];
export type DocumentSources = NonNullable<ChatMessage["sources"]>;
export type Citation = DocumentSources["citations"][number];

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

/** Subscriptions go over SSE (resumable with lastEventId); everything else is batched HTTP. */
export function createRecallLinks(url = "/trpc"): TRPCLink<AppRouter>[] {
  return [
    splitLink({
      condition: (operation) => operation.type === "subscription",
      true: httpSubscriptionLink({ url }),
      // Long batches go as several requests rather than one URL the server refuses.
      // The server refuses larger batches (RECALL_LIMIT_BATCH_SIZE is at least this).
      false: httpBatchLink({ url, maxURLLength: 2000, maxItems: limits.batchMaxCalls }),
    }),
  ];
}

/** The API lives on the same origin (Fastify in production, Vite's proxy in dev), so the auth cookie just works. */
export function createRecallClient(links: TRPCLink<AppRouter>[] = createRecallLinks()) {
  return createTRPCClient<AppRouter>({ links });
}

/** Every reader and writer of a chat's messages uses this one cache entry: `message.thread` of the chat. */
export function threadInput(sessionId: string) {
  return { sessionId };
}
