/**
 * The ways a chat app can fill one model context, turn by turn, that the cost benchmark sends
 * to the fake Ollama: the whole chat (Ollama cuts it from the front once it outgrows num_ctx),
 * a sliding window, LangChain's trimMessages, and Recall's layout from before the prompt-cache
 * work (memory sections first, a working buffer that slides one exchange per turn). Recall as
 * it is now is not here: the benchmark drives the real server for it.
 */
import { assembleMemoryContext, recallForContext, RecallIndex, type PromptMessage, type RecallTurn, type TokenCounter } from "@recall/memory";
import type { GeneratedMessage } from "../memory/conversation-generator.ts";
import { roleOf, textOf, trimLikeLangChain } from "../memory/context-strategies.ts";

export interface TurnInput {
  /** This chat's messages before the turn, oldest first. */
  chat: readonly GeneratedMessage[];
  sessionId: string;
  userMessage: string;
}

export interface BaselineStrategy {
  key: string;
  label: string;
  /** Called for each turn in order; `remember` is told every message once it is part of the history. */
  prompt(turn: TurnInput): Promise<PromptMessage[]> | PromptMessage[];
  remember(message: GeneratedMessage): void;
}

export interface StrategySettings {
  systemPrompt: string;
  budgetTokens: number;
  bufferSize: number;
  /** Recall before this issue looked for this many matches. */
  recallLimit: number;
  counter: TokenCounter;
}

const toPrompt = (message: GeneratedMessage): PromptMessage => ({ role: message.role, content: message.content });

export function wholeChat(settings: StrategySettings): BaselineStrategy {
  return {
    key: "whole-chat",
    label: "whole chat (Ollama cuts the front past num_ctx)",
    prompt: (turn) => [{ role: "system", content: settings.systemPrompt }, ...turn.chat.map(toPrompt), { role: "user", content: turn.userMessage }],
    remember: () => {},
  };
}

export function slidingWindow(settings: StrategySettings): BaselineStrategy {
  return {
    key: "sliding-window",
    label: `sliding window (last ${settings.bufferSize} messages)`,
    prompt: (turn) => [{ role: "system", content: settings.systemPrompt }, ...turn.chat.slice(-settings.bufferSize).map(toPrompt), { role: "user", content: turn.userMessage }],
    remember: () => {},
  };
}

export function langchainTrimMessages(settings: StrategySettings): BaselineStrategy {
  return {
    key: "trim-messages",
    label: "LangChain.js trimMessages (last, to the budget)",
    async prompt(turn) {
      const trimmed = await trimLikeLangChain(turn.chat, turn.userMessage, settings.budgetTokens, settings.counter);
      return trimmed.map((message) => ({ role: roleOf(message), content: textOf(message) }));
    },
    remember: () => {},
  };
}

/**
 * Recall's engine as it was before the prompt-cache work: the memory sections (recalled turns
 * among them) in one system message after the system prompt, then the last K messages. Without
 * the summary, episodes and profile the server added (they need model calls); the layout is
 * what decides what Ollama can reuse, and it is the same.
 */
export function recallBefore(settings: StrategySettings): BaselineStrategy {
  const index = new RecallIndex();
  const turns = new Map<string, RecallTurn>();
  return {
    key: "recall-before",
    label: "Recall before this issue (memory first, sliding buffer)",
    prompt(turn) {
      const buffer = turn.chat.slice(-settings.bufferSize);
      const excludeIds = new Set(buffer.map((message) => message.id));
      const recalled = recallForContext(index, turns, { query: turn.userMessage, limit: settings.recallLimit, excludeIds, sessionId: turn.sessionId, includeOtherSessions: true });
      const context = assembleMemoryContext(
        {
          systemPrompt: settings.systemPrompt,
          episodes: [],
          profile: [],
          summary: null,
          recalled,
          passages: [],
          buffer,
          userMessage: turn.userMessage,
          budgetTokens: settings.budgetTokens,
          bufferSize: settings.bufferSize,
          placement: "sections-first",
        },
        settings.counter,
      );
      return context.messages;
    },
    remember(message) {
      index.add(message);
      turns.set(message.id, message);
    },
  };
}
