import { buildTurnPrompt, type LayoutTuning, type PromptLayoutState, type TurnPrompt } from "./prompt-layout.ts";
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
  /** The most matching older turns recall looks for; the budget decides how many go in. */
  recallLimit?: number;
  /** When the message is sent: "two weeks ago" in it favours turns from then. */
  queryTime?: Date;
  /** Recall from the user's other chats too. Default true. */
  recallAcrossChats?: boolean;
  summary?: ContextSummary | null;
  episodes?: readonly ContextEpisode[];
  profile?: readonly ContextProfileFact[];
  passages?: readonly ContextPassage[];
  /** An index already built over `history` (a server keeps one current); built here when absent. */
  index?: RecallIndex;
  /** This chat's messages, oldest first, when the caller keeps them apart (else picked out of `history`). */
  chat?: readonly HistoryMessage[];
  /** `history` by id, when the caller keeps such a map (else built here). */
  turnsById?: ReadonlyMap<string, RecallTurn>;
  /** The layout of the previous turn in this chat, to extend it; absent lays the prompt out afresh. */
  previous?: PromptLayoutState | null;
  messageOverheadTokens?: number;
  tuning?: Partial<LayoutTuning>;
}

/**
 * The engine driven from plain data, with no server: given a user's chats and messages,
 * the current message and a budget, this turn's prompt (`buildTurnPrompt`, as the server
 * builds it) and, per layer, the ids of the messages it drew on (`layers[].ids`). The
 * benchmarks use exactly this; pass `previous` (the last turn's `layout`) to replay a chat.
 */
export function buildContextFromHistory(input: BuildContextFromHistoryInput, tokenCounter: TokenCounter): TurnPrompt {
  const chat = input.chat ?? input.history.filter((message) => message.sessionId === input.sessionId);
  const turns = input.turnsById ?? new Map<string, RecallTurn>(input.history.map((message) => [message.id, message]));
  let index = input.index;
  if (!index) {
    index = new RecallIndex();
    for (const message of input.history) if (message.content.trim().length > 0) index.add(message);
  }
  const recallIndex = index;
  return buildTurnPrompt(
    {
      systemPrompt: input.systemPrompt,
      episodes: input.episodes ?? [],
      profile: input.profile ?? [],
      summary: input.summary ?? null,
      chat,
      recall: (inPrompt, budgetTokens) =>
        recallForContext(recallIndex, turns, {
          query: input.userMessage,
          ...(input.recallLimit === undefined ? {} : { limit: input.recallLimit }),
          excludeIds: inPrompt,
          sessionId: input.sessionId,
          includeOtherSessions: input.recallAcrossChats ?? true,
          budgetTokens,
          tokenCounter,
          ...(input.queryTime === undefined ? {} : { queryTime: input.queryTime }),
        }),
      passages: input.passages ?? [],
      turnById: (id) => turns.get(id),
      userMessage: input.userMessage,
      budgetTokens: input.budgetTokens,
      bufferSize: input.bufferSize ?? 10,
      previous: input.previous ?? null,
      ...(input.messageOverheadTokens === undefined ? {} : { messageOverheadTokens: input.messageOverheadTokens }),
      ...(input.tuning === undefined ? {} : { tuning: input.tuning }),
    },
    tokenCounter,
  );
}
