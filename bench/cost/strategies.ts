/**
 * The ways a chat app can fill one model context, turn by turn, that the cost benchmark sends
 * to the fake Ollama: the whole chat (Ollama cuts it from the front once it outgrows num_ctx),
 * a sliding window, LangChain's trimMessages, and Recall's layout from before the prompt-cache
 * work (memory sections first, a working buffer that slides one exchange per turn). Recall as
 * it is now is not here: the benchmark drives the real server for it.
 */
import { AIMessage, HumanMessage, SystemMessage, trimMessages, type BaseMessage } from "@langchain/core/messages";
import { assembleMemoryContext, defaultMessageOverheadTokens, recallForContext, RecallIndex, type PromptMessage, type RecallTurn, type TokenCounter } from "@recall/memory";
import type { GeneratedMessage } from "../memory/conversation-generator.ts";

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
  const count = (message: BaseMessage): number => settings.counter.count(textOf(message)) + defaultMessageOverheadTokens;
  return {
    key: "trim-messages",
    label: "LangChain.js trimMessages (last, to the budget)",
    async prompt(turn) {
      const input: BaseMessage[] = [
        new SystemMessage(settings.systemPrompt),
        ...turn.chat.map((message) => (message.role === "user" ? new HumanMessage(message.content) : new AIMessage(message.content))),
        new HumanMessage(turn.userMessage),
      ];
      const trimmed = await trimMessages(input, {
        maxTokens: settings.budgetTokens,
        strategy: "last",
        includeSystem: true,
        startOn: "human",
        tokenCounter: (messages) => messages.reduce((sum, message) => sum + count(message), 0),
      });
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

function textOf(message: BaseMessage): string {
  return typeof message.content === "string" ? message.content : message.text;
}

function roleOf(message: BaseMessage): PromptMessage["role"] {
  const type = message.getType();
  return type === "system" ? "system" : type === "human" ? "user" : "assistant";
}
