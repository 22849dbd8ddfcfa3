import { assembleContext } from "@recall/memory";
import type { StreamEvent } from "@recall/schema";
import { listMessagesInput, messageIdInput, sendMessageInput, streamInput } from "@recall/schema";
import { TRPCError, tracked } from "@trpc/server";
import { router, userProcedure } from "../trpc/init.ts";

function parseEventId(lastEventId: string | null | undefined): number {
  if (!lastEventId) return 0;
  const id = Number(lastEventId);
  return Number.isSafeInteger(id) && id >= 0 ? id : Number.NaN;
}

function sleep(milliseconds: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, milliseconds);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

export const messageRouter = router({
  list: userProcedure.input(listMessagesInput).query(({ ctx, input }) => ctx.services.store.listMessages(ctx.userId, input)),

  /**
   * Saves the user's message and an empty `streaming` reply, starts generation and
   * returns at once; the reply's text arrives through `message.stream`.
   */
  send: userProcedure.input(sendMessageInput).mutation(async ({ ctx, input }) => {
    const { store, generations, config } = ctx.services;
    const session = await store.requireSession(ctx.userId, input.sessionId);
    const streaming = await store.findStreamingMessage(session.id);
    if (streaming && generations.isActive(streaming)) {
      throw new TRPCError({ code: "CONFLICT", message: "A reply is still being written in this chat. Stop it or wait for it to finish." });
    }
    const parentId = input.parentId
      ? (await store.requireMessage(ctx.userId, input.parentId, session.id)).id
      : await store.newestMessageId(session.id);
    const model = input.model ?? session.model ?? config.defaultModel;
    const history = parentId ? await store.branchHistory(session.id, parentId, config.bufferMessages) : [];
    const exchange = await store.createExchange({ userId: ctx.userId, session, parentId, content: input.content, model });
    const context = assembleContext({
      systemPrompt: config.systemPrompt,
      history: history.filter((message) => message.status !== "streaming"),
      userMessage: input.content,
      bufferSize: config.bufferMessages,
    });
    generations.start({ messageId: exchange.assistantMessage.id, model, messages: context.messages });
    return exchange;
  }),

  /**
   * The reply's events. Reconnecting with `lastEventId` (httpSubscriptionLink does it)
   * resumes right after that event; when the fine-grained log is gone, one snapshot
   * of the saved text is sent instead.
   */
  stream: userProcedure.input(streamInput).subscription(async function* ({ ctx, input, signal }) {
    const { store, eventLogs, config } = ctx.services;
    const message = await store.requireMessage(ctx.userId, input.messageId);
    if (message.role !== "assistant") {
      throw new TRPCError({ code: "BAD_REQUEST", message: "Only assistant replies stream; this is a user message." });
    }
    let cursor = parseEventId(input.lastEventId);
    const log = eventLogs.get(message.id);
    if (!log || Number.isNaN(cursor) || cursor > log.lastId) {
      const saved = log ? await store.requireMessage(ctx.userId, message.id) : message;
      const snapshot: StreamEvent = { type: "snapshot", content: saved.content, status: saved.status };
      yield tracked("snapshot", snapshot);
      return;
    }
    const detach = log.attachReader();
    try {
      while (!signal?.aborted) {
        await log.waitForEventsAfter(cursor, signal);
        if (config.streamFrameMs > 0 && !log.finished) await sleep(config.streamFrameMs, signal);
        for (const frame of log.readAfter(cursor)) {
          cursor = frame.id;
          yield tracked(String(frame.id), frame.event);
          if (frame.event.type !== "delta") return;
        }
      }
    } finally {
      detach();
    }
  }),

  stop: userProcedure.input(messageIdInput).mutation(async ({ ctx, input }) => {
    const message = await ctx.services.store.requireMessage(ctx.userId, input.messageId);
    const stopped = await ctx.services.generations.stop(message.id, "stopped");
    return { stopped };
  }),
});
