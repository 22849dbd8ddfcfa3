import { assembleMemoryContext, type MemoryContext } from "./assemble-context.ts";
import type { ContextEpisode, ContextPassage, ContextProfileFact, ContextSummary } from "./context-sections.ts";
import type { MemoryRole, TokenCounter } from "./ports.ts";
import { recallForContext } from "./recall-context.ts";
import { RecallIndex, type RecallTurn } from "./recall-index.ts";

export interface HistoryMessage {
  id: string;
  sessionId: string;
  role: MemoryRole;
  content: string;
  createdAt: Date;
}

export interface BuildContextFromHistoryInput {
  systemPrompt: string;
  /** Every message of the user's chats so far, oldest first (any number of chats). */
  history: readonly HistoryMessage[];
  /** The chat the message is sent in. */
  sessionId: string;
  userMessage: string;
  budgetTokens: number;
  /** Working buffer: the last K messages of this chat, verbatim. Default 10. */
  bufferSize?: number;
  /** Matching older turns recall looks for. Default 16. */
  recallLimit?: number;
  /** Recall from the user's other chats too. Default true. */
  recallAcrossChats?: boolean;
  summary?: ContextSummary | null;
  episodes?: readonly ContextEpisode[];
  profile?: readonly ContextProfileFact[];
  passages?: readonly ContextPassage[];
  /** An index already built over `history` (a server keeps one current); built here when absent. */
  index?: RecallIndex;
}

/**
 * The engine driven from plain data, with no server: given a user's chats and messages,
 * the current message and a budget, the assembled context and, per layer, the ids of
 * the messages it drew on (`layers[].ids`). The benchmarks use exactly this.
 */
export function buildContextFromHistory(input: BuildContextFromHistoryInput, tokenCounter: TokenCounter): MemoryContext {
  const bufferSize = input.bufferSize ?? 10;
  const chat = input.history.filter((message) => message.sessionId === input.sessionId);
  const turns = new Map<string, RecallTurn>(input.history.map((message) => [message.id, message]));
  let index = input.index;
  if (!index) {
    index = new RecallIndex();
    for (const message of input.history) if (message.content.trim().length > 0) index.add(message);
  }
  const bufferIds = new Set(chat.slice(-bufferSize).map((message) => message.id));
  const recalled = recallForContext(index, turns, {
    query: input.userMessage,
    limit: input.recallLimit ?? 16,
    excludeIds: bufferIds,
    sessionId: input.sessionId,
    includeOtherSessions: input.recallAcrossChats ?? true,
  });
  return assembleMemoryContext(
    {
      systemPrompt: input.systemPrompt,
      episodes: input.episodes ?? [],
      profile: input.profile ?? [],
      summary: input.summary ?? null,
      recalled,
      passages: input.passages ?? [],
      buffer: chat,
      userMessage: input.userMessage,
      budgetTokens: input.budgetTokens,
      bufferSize,
    },
    tokenCounter,
  );
}
