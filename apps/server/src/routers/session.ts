import { createSessionInput, listSessionsInput, renameSessionInput, searchSessionsInput, sessionIdInput } from "@recall/schema";
import { router, userProcedure } from "../trpc/init.ts";

export const sessionRouter = router({
  create: userProcedure.input(createSessionInput).mutation(async ({ ctx, input }) => {
    const session = await ctx.services.store.createSession(ctx.userId, input);
    // Starting a chat ends the previous one: its episode is written in the background.
    ctx.services.episodes.onChatStarted(ctx.userId, session.id);
    return session;
  }),
  list: userProcedure.input(listSessionsInput).query(({ ctx, input }) => ctx.services.store.listSessions(ctx.userId, input)),
  /** Chats whose title or any message contains the query (case-insensitive), newest first, each once. */
  search: userProcedure
    .input(searchSessionsInput)
    .query(async ({ ctx, input }) => ({ items: await ctx.services.store.searchSessions(ctx.userId, input.query, input.limit) })),
  rename: userProcedure
    .input(renameSessionInput)
    .mutation(({ ctx, input }) => ctx.services.store.renameSession(ctx.userId, input.sessionId, input.title)),
  delete: userProcedure.input(sessionIdInput).mutation(async ({ ctx, input }) => {
    const { store, generations } = ctx.services;
    await store.requireSession(ctx.userId, input.sessionId);
    const streaming = await store.findStreamingMessage(input.sessionId);
    if (streaming) await generations.stop(streaming, "stopped");
    await store.deleteSession(ctx.userId, input.sessionId);
    ctx.services.recallIndexes.forgetSession(ctx.userId, input.sessionId);
    ctx.services.summaries.forget(input.sessionId);
    await ctx.services.conversations.invalidateConversation(ctx.userId, input.sessionId);
    return { sessionId: input.sessionId };
  }),
});
