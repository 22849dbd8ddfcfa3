import type { StreamEvent } from "@recall/schema";
import { limits, listMessagesInput, messageIdInput, sendMessageInput, sessionIdInput, streamInput } from "@recall/schema";
import { TRPCError, tracked } from "@trpc/server";
import { describeError } from "../errors.ts";
import type { ContextMetadata } from "../memory/context-builder.ts";
import { router, userProcedure } from "../trpc/init.ts";

function parseEventId(lastEventId: string | null | undefined): number {
  if (!lastEventId) return 0;
  const id = Number(lastEventId);
  return Number.isSafeInteger(id) && id >= 0 ? id : Number.NaN;
}

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

export const messageRouter = router({
  list: userProcedure.input(listMessagesInput).query(({ ctx, input }) => ctx.services.store.listMessages(ctx.userId, input)),

  /**
   * Every message of the chat, every branch (each with its `parentId`), oldest first, so the
   * client can render the active branch and switch between sibling versions.
   */
  thread: userProcedure
    .input(sessionIdInput)
    .query(({ ctx, input }) => ctx.services.store.thread(ctx.userId, input.sessionId, limits.threadMaxMessages)),

  /**
   * Saves the user's message and an empty `streaming` reply, starts generation and
   * returns at once; the reply's text arrives through `message.stream`.
   */
  send: userProcedure.input(sendMessageInput).mutation(async ({ ctx, input }) => {
    const { store, generations, config, contextBuilder, recallIndexes } = ctx.services;
    const { session, newest } = await store.sessionForSend(ctx.userId, input.sessionId);
    if (newest?.status === "streaming" && generations.isActive(newest.id)) {
      throw new TRPCError({ code: "CONFLICT", message: "A reply is still being written in this chat. Stop it or wait for it to finish." });
    }
    // undefined: answer the newest message; null: a new root (the first message, edited).
    const parentId =
      input.parentId === undefined
        ? (newest?.id ?? null)
        : input.parentId === null
          ? null
          : (await store.requireMessage(ctx.userId, input.parentId, session.id)).id;
    const model = input.model ?? session.model ?? config.defaultModel;
    const history = parentId ? await store.branchHistory(session.id, parentId, config.bufferMessages) : [];
    const built = await contextBuilder.build({
      userId: ctx.userId,
      sessionId: session.id,
      history: history.filter((message) => message.status !== "streaming"),
      userMessage: input.content,
      model,
    });
    ctx.services.metrics.recordContext(built.metadata, session.id);
    const exchange = await store.createExchange({
      userId: ctx.userId,
      session,
      parentId,
      content: input.content,
      model,
      contextJson: JSON.stringify(built.metadata),
    });
    const userId = ctx.userId;
    // An ephemeral chat leaves nothing behind: no profile facts, no recall, no summary.
    const remembered = !session.ephemeral;
    if (remembered) {
      // Off the reply's path: a reply never waits for profile upkeep.
      void ctx.services.profiles.learnFromMessage(userId, exchange.userMessage.id, input.content).catch((error: unknown) => {
        ctx.services.logger.warn({ error: describeError(error) }, "profile extraction failed");
      });
      // Indexed after assembly, so a message never recalls itself.
      recallIndexes.note(userId, { ...exchange.userMessage, role: "user", createdAt: new Date(exchange.userMessage.createdAt) });
    }
    generations.start({
      messageId: exchange.assistantMessage.id,
      userId,
      model,
      messages: built.messages,
      numCtx: built.numCtx,
      onFinished: (result) => {
        if (!built.metadata.overBudget) void contextBuilder.observe(model, built.messages, result.promptTokens, built.numCtx);
        if (!remembered) return;
        if (result.status === "complete") ctx.services.summaries.schedule(userId, session.id, exchange.assistantMessage.id, model);
        if (result.status !== "error") {
          recallIndexes.note(userId, {
            id: exchange.assistantMessage.id,
            sessionId: session.id,
            role: "assistant",
            content: result.content,
            createdAt: new Date(exchange.assistantMessage.createdAt),
          });
        }
      },
    });
    return exchange;
  }),

  /**
   * The reply's events. Reconnecting with `lastEventId` (httpSubscriptionLink does it)
   * resumes right after that event; when the fine-grained log is gone, one snapshot
   * of the saved text is sent instead.
   */
  stream: userProcedure.input(streamInput).subscription(async function* ({ ctx, input, signal }) {
    const { store, eventLogs, config } = ctx.services;
    let cursor = parseEventId(input.lastEventId);
    // A live log knows its owner, so the hot path (subscribe, reconnect) needs no query.
    const log = eventLogs.get(input.messageId);
    if (!log || log.ownerId !== ctx.userId || Number.isNaN(cursor) || cursor > log.lastId) {
      const saved = await store.requireMessage(ctx.userId, input.messageId);
      if (saved.role !== "assistant") {
        throw new TRPCError({ code: "BAD_REQUEST", message: "Only assistant replies stream; this is a user message." });
      }
      const snapshot: StreamEvent = { type: "snapshot", content: saved.content, status: saved.status };
      yield tracked("snapshot", snapshot);
      return;
    }
    const detach = log.attachReader();
    const wake = (): void => log.wakeReaders();
    signal?.addEventListener("abort", wake, { once: true });
    let lastFrameAt = 0;
    try {
      while (!signal?.aborted) {
        await log.waitForEventsAfter(cursor);
        // Throttle, leading edge: the first token goes at once; later ones gather for
        // up to streamFrameMs so a frame carries several (fewer events, less CPU).
        const wait = lastFrameAt + config.streamFrameMs - performance.now();
        if (wait > 0 && !log.finished) await sleep(wait);
        lastFrameAt = performance.now();
        for (const frame of log.readAfter(cursor)) {
          cursor = frame.id;
          yield tracked(String(frame.id), frame.event);
          if (frame.event.type !== "delta") return;
        }
      }
    } finally {
      signal?.removeEventListener("abort", wake);
      detach();
    }
  }),

  /** What the model saw for a reply: tokens per layer, what was trimmed, the estimate and Ollama's real count. */
  context: userProcedure.input(messageIdInput).query(async ({ ctx, input }) => {
    const row = await ctx.services.store.contextOf(ctx.userId, input.messageId);
    const metadata = row.contextJson ? (JSON.parse(row.contextJson) as ContextMetadata) : null;
    return { metadata, promptEvalCount: row.promptTokens, completionTokens: row.completionTokens };
  }),

  stop: userProcedure.input(messageIdInput).mutation(async ({ ctx, input }) => {
    const message = await ctx.services.store.requireMessage(ctx.userId, input.messageId);
    const stopped = await ctx.services.generations.stop(message.id, "stopped");
    return { stopped };
  }),
});
