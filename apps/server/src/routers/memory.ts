import { extractProfileFacts } from "@recall/memory";
import { idSchema, messageContentSchema, modelNameSchema } from "@recall/schema";
import { z } from "zod";
import type { Services } from "../services.ts";
import { adminProcedure, router, userProcedure } from "../trpc/init.ts";

const buildContextInput = z.object({ sessionId: idSchema, message: messageContentSchema, model: modelNameSchema.optional() });

export type MemoryRouterServices = Pick<Services, "chats" | "contextBuilder" | "config" | "metrics" | "summaries">;

/**
 * The reference design's interface on top of the engine: build a context without
 * sending it, extract a profile from a chat, and session statistics.
 */
export function createMemoryRouter({ chats, contextBuilder, config, metrics, summaries }: MemoryRouterServices) {
  return router({
    /** What the model would see if `message` were sent now in this chat; nothing is saved. */
    buildContext: userProcedure.input(buildContextInput).query(async ({ ctx, input }) => {
      const { session, newest } = await chats.sessionForSend(ctx.userId, input.sessionId);
      const [history, offBranch] = await Promise.all([
        newest ? chats.branchHistory(session.id, newest.id, config.bufferMessages) : [],
        chats.offBranchMessageIds(session.id, newest?.id ?? null),
      ]);
      const built = await contextBuilder.build({
        userId: ctx.userId,
        sessionId: session.id,
        history: history.filter((message) => message.status !== "streaming"),
        userMessage: input.message,
        model: input.model ?? session.model ?? config.defaultModel,
        // As a send would: turns on other branches of this chat are not recalled.
        excludeFromRecall: offBranch,
      });
      metrics.recordContext(built.metadata);
      const summary = await summaries.current(session.id);
      return {
        context: built.messages,
        metadata: {
          totalMessages: built.metadata.totalMessages,
          summarizedMessages: summary?.coveredCount ?? 0,
          cached: built.metadata.cached,
          estimatedTokens: built.metadata.estimatedPromptTokens,
          numCtx: built.numCtx,
          layers: built.metadata.layers,
          trimmed: built.metadata.trimmed,
        },
      };
    }),

    /** Profile facts found in a chat's user messages (by the pattern extractor); nothing is saved. */
    extractProfile: userProcedure.input(z.object({ sessionId: idSchema })).query(async ({ ctx, input }) => {
      const { items } = await chats.listMessages(ctx.userId, { sessionId: input.sessionId, limit: 200 });
      return items.filter((message) => message.role === "user").flatMap((message) => extractProfileFacts(message.content).map((fact) => ({ ...fact, messageId: message.id })));
    }),

    /** Memory and cache figures for operators: admins only (`RECALL_ADMIN_USERS`). */
    stats: adminProcedure.query(() => metrics.snapshot()),
  });
}
