import { summaryDue, type PromptLayoutState } from "@recall/memory";
import type { Message, Session } from "@recall/schema";
import { parseContextLayout } from "@recall/schema";
import { ConflictError } from "../domain-errors.ts";
import type { Services } from "../services.ts";
import { noTurnDocuments, prepareTurnDocuments } from "../documents/turn-documents.ts";
import type { ChatRepository } from "./chat-repository.ts";

/** The longest stretch of a chat a prompt continues; past it the prompt is laid out afresh. */
const maxLayoutMessages = 400;

/** The prompt layout saved with a reply; null for a user message, an old reply or an unreadable row. */
async function layoutOf(chats: ChatRepository, userId: string, messageId: string): Promise<PromptLayoutState | null> {
  const row = await chats.contextOf(userId, messageId);
  return parseContextLayout(row.contextJson);
}

export type ReplyServices = Pick<Services, "chats" | "generations" | "config" | "contextBuilder" | "recallIndexes" | "summaries" | "metrics" | "moderation" | "documents">;

/**
 * A chat writes one reply at a time: send and regenerate refuse while its newest reply still
 * streams, on this instance or (scaled mode) any other holding its lease.
 */
export async function assertNoReplyStreaming(generations: Services["generations"], newest: { id: string; status: string } | null): Promise<void> {
  if (newest?.status !== "streaming") return;
  if (generations.isActive(newest.id) || (await generations.isActiveAnywhere(newest.id))) {
    throw new ConflictError("A reply is still being written in this chat. Stop it or wait for it to finish.");
  }
}

export interface ReplyRequest<Saved extends { assistantMessage: Message }> {
  userId: string;
  session: Session;
  /** The message before the one being answered: the history is the branch ending here; null for none. */
  historyLeafId: string | null;
  /** The text of the user's message the reply answers. */
  userContent: string;
  model: string;
  /** From `sessionForSend`: false skips the documents (no query); null asks the document store. */
  hasDocuments: boolean | null;
  /** Turns recall must not bring back (when answering again: the question itself and the old reply). */
  excludeFromRecall?: readonly string[];
  /** Writes the rows, with what memory assembled, before generation starts; returns the new reply. */
  save: (contextJson: string) => Promise<Saved>;
}

/**
 * What send and regenerate share: build the memory context, save, start generation, and
 * after it the upkeep (calibration, running summary, recall index of the reply).
 * Returns at once; the reply's text arrives through `message.stream`.
 */
export async function startReply<Saved extends { assistantMessage: Message }>(services: ReplyServices, request: ReplyRequest<Saved>): Promise<Saved> {
  const { chats, generations, config, contextBuilder, recallIndexes, summaries, metrics, moderation, documents } = services;
  const { userId, session, model } = request;
  // Before anything is saved or sent to the model: a blocked message leaves no trace.
  await moderation.checkUserMessage(request.userContent);
  // The prompt extends the one of the reply it follows: read that reply's layout, then the
  // branch back to its anchor (the chat since then is sent verbatim).
  const leafId = request.historyLeafId;
  const previousLayout = leafId ? await layoutOf(chats, userId, leafId) : null;
  const [history, offBranch, turnDocuments] = await Promise.all([
    leafId
      ? chats.branchHistory(session.id, leafId, config.bufferMessages, previousLayout ? { backTo: previousLayout.anchorId, atMost: maxLayoutMessages } : undefined)
      : [],
    chats.offBranchMessageIds(session.id, leafId),
    request.hasDocuments === false
      ? noTurnDocuments
      : prepareTurnDocuments(documents, { userId, sessionId: session.id, question: request.userContent, limit: config.documents.passagesPerQuestion, previousLayout }),
  ]);
  const built = await contextBuilder.build({
    userId,
    sessionId: session.id,
    history: history.filter((message) => message.status !== "streaming"),
    userMessage: request.userContent,
    model,
    // Turns on other branches (edited away, replaced) would bring back what the user corrected.
    excludeFromRecall: [...(request.excludeFromRecall ?? []), ...offBranch],
    previousLayout,
    documents: turnDocuments.context,
  });
  metrics.recordContext(built.metadata, session.id);
  const saved = await request.save(JSON.stringify(built.metadata));
  const reply = saved.assistantMessage;
  // An ephemeral chat leaves nothing behind: no recall, no summary.
  const remembered = !session.ephemeral;
  generations.start({
    messageId: reply.id,
    userId,
    sessionId: session.id,
    model,
    messages: built.messages,
    numCtx: built.numCtx,
    ...(turnDocuments.context ? { sourcesFor: (content: string) => turnDocuments.sourcesFor(built.passageIds, content) } : {}),
    ...(moderation.enabled ? { moderateReply: (content: string) => moderation.checkReply(content, request.userContent) } : {}),
    onFinished: (result) => {
      if (!built.metadata.overBudget) void contextBuilder.observe(model, built.messages, result.promptTokens, built.numCtx);
      if (!remembered) return;
      if (result.status === "complete") summaries.schedule(userId, session.id, reply.id, model, summaryDue({ totalTokens: built.metadata.estimatedPromptTokens, budgetTokens: built.metadata.budgetTokens }, config.summaryDueShare));
      if (result.status !== "error") {
        recallIndexes.note(userId, { id: reply.id, sessionId: session.id, role: "assistant", content: result.content, createdAt: new Date(reply.createdAt) });
      }
    },
  });
  return saved;
}
