import { resolveSourceNames } from "../chat/serialize.ts";
import type { ContextMetadata, StreamEvent } from "@recall/schema";
import { limits, parseContextMetadata, listMessagesInput, messageIdInput, regenerateMessageInput, sendMessageInput, sessionIdInput, streamInput } from "@recall/schema";
import { tracked } from "@trpc/server";
import { isEphemeralId } from "../chat/chat-repository.ts";
import { clipText } from "../chat/serialize.ts";
import { openLiveReply, replyFrames } from "../chat/reply-frames.ts";
import { assertNoReplyStreaming, startReply, type ReplyServices } from "../chat/start-reply.ts";
import { InvalidRequestError } from "../domain-errors.ts";
import { createLimitsMiddleware } from "../limits/limits-middleware.ts";
import type { Services } from "../services.ts";
import { router, userProcedure } from "../trpc/init.ts";

/** Recalled turns shown with a reply's context are clipped: the panel shows what they were, not all of them. */
const recalledTurnMaxChars = 500;

/** The layout is how the next reply continues a prompt: server state, not part of what the user is shown. */
function withoutLayout({ layout: _layout, ...shown }: ContextMetadata): Omit<ContextMetadata, "layout"> {
  return shown;
}

export type MessageRouterServices = ReplyServices & Pick<Services, "lifecycle" | "eventLogs" | "limits">;

export function createMessageRouter(services: MessageRouterServices) {
  const { chats, config, generations, lifecycle, eventLogs, summaries } = services;
  // Rates, the stored-text quota and a place among the replies in flight, before anything is saved.
  const limitedProcedure = userProcedure.use(createLimitsMiddleware(services.limits));
  /** A reply sent while every model slot is busy waits its turn: how many are ahead of it (null: it started). */
  const withQueuePlace = <Saved extends { assistantMessage: { id: string } }>(saved: Saved) => ({
    ...saved,
    queuedAhead: services.limits.generations.waitingAheadOf(saved.assistantMessage.id),
  });
  return router({
    list: userProcedure.input(listMessagesInput).query(async ({ ctx, input }) => {
      const page = await chats.listMessages(ctx.userId, input);
      return { ...page, items: await resolveSourceNames(page.items, (ids) => services.documents.passages(ctx.userId, ids, { withText: false })) };
    }),

    /**
     * Every message of the chat, every branch (each with its `parentId`), oldest first, so the
     * client can render the active branch and switch between sibling versions.
     */
    thread: userProcedure
      .input(sessionIdInput)
      .query(async ({ ctx, input }) => {
        const thread = await chats.thread(ctx.userId, input.sessionId, limits.threadMaxMessages);
        // Citations name their document and section, which live (encrypted) with the document.
        return { ...thread, messages: await resolveSourceNames(thread.messages, (ids) => services.documents.passages(ctx.userId, ids, { withText: false })) };
      }),

    /**
     * Saves the user's message and an empty `streaming` reply, starts generation and
     * returns at once; the reply's text arrives through `message.stream`.
     */
    send: limitedProcedure.input(sendMessageInput).mutation(async ({ ctx, input }) => {
      const userId = ctx.userId;
      const { session, newest, hasDocuments } = await chats.sessionForSend(userId, input.sessionId);
      await assertNoReplyStreaming(generations, newest);
      // undefined: answer the newest message; null: a new root (the first message, edited).
      const parentId =
        input.parentId === undefined
          ? (newest?.id ?? null)
          : input.parentId === null
            ? null
            : (await chats.requireMessage(userId, input.parentId, session.id)).id;
      const model = input.model ?? session.model ?? config.defaultModel;
      return withQueuePlace(await startReply(services, {
        userId,
        session,
        hasDocuments,
        historyLeafId: parentId,
        userContent: input.content,
        model,
        save: async (contextJson) => {
          const exchange = await chats.createExchange({ userId, session, parentId, content: input.content, model, contextJson });
          lifecycle.exchangeSaved(userId, session, exchange.userMessage);
          return exchange;
        },
      }));
    }),

    /**
     * Answers an assistant reply's question again: a new `streaming` reply under the same
     * user message (a sibling of the old one, which stays), streamed like a sent message.
     */
    regenerate: limitedProcedure.input(regenerateMessageInput).mutation(async ({ ctx, input }) => {
      const userId = ctx.userId;
      const oldReply = await chats.requireMessage(userId, input.messageId);
      if (oldReply.role !== "assistant") {
        throw new InvalidRequestError("Only an assistant reply can be regenerated. To change your own message, edit it and send it again.");
      }
      const { session, newest, hasDocuments } = await chats.sessionForSend(userId, oldReply.sessionId);
      await assertNoReplyStreaming(generations, newest);
      const question = oldReply.parentId ? await chats.requireMessage(userId, oldReply.parentId, session.id) : null;
      if (question?.role !== "user") {
        throw new InvalidRequestError("This reply answers no message of yours, so there is nothing to regenerate it from.");
      }
      const model = input.model ?? session.model ?? config.defaultModel;
      // The question is already in the recall index and the profile: neither is noted again.
      return withQueuePlace(await startReply(services, {
        userId,
        session,
        hasDocuments,
        historyLeafId: question.parentId,
        userContent: question.content,
        model,
        excludeFromRecall: [question.id, oldReply.id],
        save: async (contextJson) => ({
          assistantMessage: await chats.createReply({ userId, session, parentId: question.id, model, contextJson }),
        }),
      }));
    }),

    /**
     * The reply's events. Reconnecting with `lastEventId` (httpSubscriptionLink does it)
     * resumes right after that event; when the fine-grained log is gone, one snapshot
     * of the saved text is sent instead.
     */
    stream: userProcedure.input(streamInput).subscription(async function* ({ ctx, input, signal }) {
      // Over HTTP the same reads go through `chat/reply-stream-route.ts`, which writes the frames
      // itself; this procedure serves the rest (snapshots, errors, createCaller).
      const live = await openLiveReply(eventLogs, ctx.userId, input.messageId, input.lastEventId);
      if (!live) {
        const saved = await chats.requireMessage(ctx.userId, input.messageId);
        if (saved.role !== "assistant") {
          throw new InvalidRequestError("Only assistant replies stream; this is a user message.");
        }
        const snapshot: StreamEvent = { type: "snapshot", content: saved.content, status: saved.status };
        yield tracked("snapshot", snapshot);
        return;
      }
      for await (const frame of replyFrames(live, config.streamFrameMs, signal)) yield tracked(String(frame.id), frame.event);
    }),

    /** What the model saw for a reply: tokens per layer, what was trimmed, the estimate and Ollama's real count. */
    context: userProcedure.input(messageIdInput).query(async ({ ctx, input }) => {
      const row = await chats.contextOf(ctx.userId, input.messageId);
      const saved = parseContextMetadata(row.contextJson);
      const metadata = saved ? withoutLayout(saved) : null;
      const [summary, recalled] = await Promise.all([
        // Ephemeral chats are never summarized.
        isEphemeralId(row.sessionId) ? null : summaries.current(row.sessionId),
        chats.turnsByIds(ctx.userId, metadata?.recalledMessageIds ?? []),
      ]);
      return {
        metadata,
        promptEvalCount: row.promptTokens,
        completionTokens: row.completionTokens,
        /** The chat's running summary as it is now (it may have moved on since this reply). */
        summary: summary ? { text: summary.text, coveredMessages: summary.coveredCount } : null,
        /** The turns recall put in this reply's context, in its order; deleted ones are left out. */
        recalled: recalled.map((turn) => ({ ...turn, content: clipText(turn.content, recalledTurnMaxChars) })),
      };
    }),

    stop: userProcedure.input(messageIdInput).mutation(async ({ ctx, input }) => {
      const message = await chats.requireMessage(ctx.userId, input.messageId);
      const stopped = await generations.stop(message.id, "stopped");
      return { stopped };
    }),
  });
}
