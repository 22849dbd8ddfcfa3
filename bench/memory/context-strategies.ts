/**
 * The ways of filling one token budget that the memory benchmark compares: Recall's engine
 * through its public entry points, and the baselines it has to beat. Every strategy gets the
 * same system prompt, history, user message, budget and token counter, and is measured the
 * same way (each message's tokens plus the engine's per-message overhead).
 */
import { AIMessage, HumanMessage, SystemMessage, trimMessages, type BaseMessage } from "@langchain/core/messages";
import {
  assembleMemoryContext,
  defaultMessageOverheadTokens,
  buildContextFromHistory,
  recallForContext,
  measurePromptTokens,
  type MemoryContext,
  type PromptMessage,
  type RecallIndex,
  type TokenCounter,
} from "@recall/memory";
import type { GeneratedMessage } from "./conversation-generator.ts";

export const systemPrompt = "You are Recall, a helpful assistant. Answer clearly and use what you remember about the user when it helps.";

/** The reference design's "10 messages considered". */
export const bufferSize = 10;
/** Matched turns asked of the index per reply before this issue (the server's RECALL_RECALL_LIMIT then; now 64, with the budget deciding). */
export const recallLimitBefore = 16;
/** How deep the plain BM25 baseline looks before the budget stops it. */
const bm25Depth = 200;

export interface ContextRequest {
  /** Every message of the user's chats before this turn, oldest first. */
  history: readonly GeneratedMessage[];
  /** The chat the user is typing in. */
  sessionId: string;
  /** That chat's messages, oldest first, when the caller has them apart already (the server does). */
  chat?: readonly GeneratedMessage[];
  userMessage: string;
  budgetTokens: number;
}

export interface AssembledPrompt {
  messages: PromptMessage[];
  /** History messages the strategy put in whole. */
  messageIds: string[];
  totalTokens: number;
}

export interface StrategyTools {
  tokenCounter: TokenCounter;
  /** One index over every message in `history` (the server keeps it current as messages arrive). */
  index: RecallIndex;
  messagesById: ReadonlyMap<string, GeneratedMessage>;
}

export function measure(messages: readonly PromptMessage[], tokenCounter: TokenCounter): number {
  return measurePromptTokens(messages, tokenCounter, defaultMessageOverheadTokens);
}

/** Baseline: the most recent messages, across chats, as many as fit without a gap. */
export function assembleRecency(request: ContextRequest, tools: StrategyTools): AssembledPrompt {
  const cost = (text: string): number => tools.tokenCounter.count(text) + defaultMessageOverheadTokens;
  let remaining = request.budgetTokens - cost(systemPrompt) - cost(request.userMessage);
  const kept: GeneratedMessage[] = [];
  for (let position = request.history.length - 1; position >= 0; position -= 1) {
    const message = request.history[position]!;
    remaining -= cost(message.content);
    if (remaining < 0) break;
    kept.push(message);
  }
  return finish(kept.reverse(), request, tools);
}

/** Baseline: the messages BM25 ranks highest for the user's message, in time order, and nothing else. */
export function assembleBm25(request: ContextRequest, tools: StrategyTools): AssembledPrompt {
  const cost = (text: string): number => tools.tokenCounter.count(text) + defaultMessageOverheadTokens;
  let remaining = request.budgetTokens - cost(systemPrompt) - cost(request.userMessage);
  const kept: GeneratedMessage[] = [];
  for (const result of tools.index.search(request.userMessage, { limit: bm25Depth })) {
    const message = tools.messagesById.get(result.id);
    if (message === undefined) continue;
    // A long reply that does not fit leaves room for a shorter match further down.
    const tokens = cost(message.content);
    if (tokens > remaining) continue;
    remaining -= tokens;
    kept.push(message);
  }
  kept.sort((left, right) => left.createdAt.getTime() - right.createdAt.getTime());
  return finish(kept, request, tools);
}

export interface RecallEngineResult extends AssembledPrompt {
  context: MemoryContext;
}

/**
 * Recall as the server builds a reply's prompt from a fresh layout (`buildContextFromHistory`,
 * which is `buildTurnPrompt`): the chat's recent messages, older turns (this chat and earlier
 * ones) recalled to fill the room the layout leaves, knowing when the question is asked. No
 * running summary, episodes or profile (they need a model).
 */
export function assembleRecall(request: ContextRequest & { askedAt?: Date }, tools: StrategyTools): RecallEngineResult {
  const context = buildContextFromHistory(
    {
      systemPrompt,
      history: request.history,
      ...(request.chat ? { chat: request.chat } : {}),
      turnsById: tools.messagesById,
      sessionId: request.sessionId,
      userMessage: request.userMessage,
      budgetTokens: request.budgetTokens,
      bufferSize,
      index: tools.index,
      ...(request.askedAt === undefined ? {} : { queryTime: request.askedAt }),
    },
    tools.tokenCounter,
  );
  return withMessageIds(context);
}

/**
 * Recall's layout before this issue, with today's recall index: memory (recalled turns among it)
 * right after the system prompt, the last K messages after it, recall limited to 16 matches.
 */
export function assembleRecallBefore(request: ContextRequest, tools: StrategyTools): RecallEngineResult {
  const chat = request.chat ?? request.history.filter((message) => message.sessionId === request.sessionId);
  const buffer = chat.slice(-bufferSize);
  const excludeIds = new Set(buffer.map((message) => message.id));
  const recalled = recallForContext(tools.index, tools.messagesById, { query: request.userMessage, limit: recallLimitBefore, excludeIds, sessionId: request.sessionId, includeOtherSessions: true });
  const context = assembleMemoryContext(
    { systemPrompt, episodes: [], profile: [], summary: null, recalled, passages: [], buffer, userMessage: request.userMessage, budgetTokens: request.budgetTokens, bufferSize, placement: "sections-first" },
    tools.tokenCounter,
  );
  return withMessageIds(context);
}

function withMessageIds(context: MemoryContext): RecallEngineResult {
  // A reply whose beginning was cut is in the buffer layer's ids but not whole.
  const cut = new Set(context.trimmed.filter((part) => part.layer === "buffer").flatMap((part) => part.ids));
  const messageIds = context.layers
    .filter((layer) => layer.layer === "buffer" || layer.layer === "recalled")
    .flatMap((layer) => layer.ids)
    .filter((id) => !cut.has(id));
  return { messages: context.messages, messageIds, totalTokens: context.totalTokens, context };
}

/**
 * Peer: LangChain.js `trimMessages` as its documentation recommends for chat history (keep
 * the last messages, keep the system message, start on a human turn), with our counter.
 */
export async function assembleTrimMessages(request: ContextRequest, tools: StrategyTools): Promise<AssembledPrompt> {
  const trimmed = await trimLikeLangChain(request.history, request.userMessage, request.budgetTokens, tools.tokenCounter);
  const messages = trimmed.map((message): PromptMessage => ({ role: roleOf(message), content: textOf(message) }));
  const messageIds = trimmed.flatMap((message) => (message.id !== undefined && tools.messagesById.has(message.id) ? [message.id] : []));
  return { messages, messageIds, totalTokens: measure(messages, tools.tokenCounter) };
}

function finish(kept: readonly GeneratedMessage[], request: ContextRequest, tools: StrategyTools): AssembledPrompt {
  const messages: PromptMessage[] = [
    { role: "system", content: systemPrompt },
    ...kept.map((message) => ({ role: message.role, content: message.content })),
    { role: "user", content: request.userMessage },
  ];
  return { messages, messageIds: kept.map((message) => message.id), totalTokens: measure(messages, tools.tokenCounter) };
}

/** LangChain.js `trimMessages` as its documentation recommends for chat history: keep the last messages and the system message, start on a human turn. */
export async function trimLikeLangChain(
  history: ReadonlyArray<{ id?: string; role: "user" | "assistant"; content: string }>,
  userMessage: string,
  budgetTokens: number,
  counter: TokenCounter,
): Promise<BaseMessage[]> {
  const input: BaseMessage[] = [
    new SystemMessage(systemPrompt),
    ...history.map((message) => (message.role === "user" ? new HumanMessage({ content: message.content, id: message.id }) : new AIMessage({ content: message.content, id: message.id }))),
    new HumanMessage(userMessage),
  ];
  return trimMessages(input, {
    maxTokens: budgetTokens,
    strategy: "last",
    includeSystem: true,
    startOn: "human",
    tokenCounter: (messages) => messages.reduce((sum, message) => sum + counter.count(textOf(message)) + defaultMessageOverheadTokens, 0),
  });
}

export function textOf(message: BaseMessage): string {
  return typeof message.content === "string" ? message.content : message.text;
}

export function roleOf(message: BaseMessage): PromptMessage["role"] {
  const type = message.getType();
  return type === "system" ? "system" : type === "human" ? "user" : "assistant";
}
