import { createSessionInput, listSessionsInput, renameSessionInput, searchSessionsInput, sessionIdInput } from "@recall/schema";
import { createLimitsMiddleware } from "../limits/limits-middleware.ts";
import type { Services } from "../services.ts";
import { router, userProcedure } from "../trpc/init.ts";

export type SessionRouterServices = Pick<Services, "chats" | "lifecycle" | "limits">;

export function createSessionRouter({ chats, lifecycle, limits }: SessionRouterServices) {
  return router({
    /** Chats (and temporary chats) per user are limited (`limits/`). */
    create: userProcedure.use(createLimitsMiddleware(limits)).input(createSessionInput).mutation(({ ctx, input }) => lifecycle.createChat(ctx.userId, input)),
    list: userProcedure.input(listSessionsInput).query(({ ctx, input }) => chats.listSessions(ctx.userId, input)),
    /** Chats whose title or any message contains the query (case-insensitive), newest first, each once. */
    search: userProcedure
      .input(searchSessionsInput)
      .query(async ({ ctx, input }) => ({ items: await chats.searchSessions(ctx.userId, input.query, input.limit) })),
    rename: userProcedure.input(renameSessionInput).mutation(({ ctx, input }) => chats.renameSession(ctx.userId, input.sessionId, input.title)),
    delete: userProcedure.input(sessionIdInput).mutation(async ({ ctx, input }) => {
      await lifecycle.deleteChat(ctx.userId, input.sessionId);
      return { sessionId: input.sessionId };
    }),
  });
}
