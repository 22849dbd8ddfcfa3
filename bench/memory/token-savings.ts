/**
 * Tokens per request: what the whole history would cost against what Recall assembles at
 * the default budget, as one chat grows and on a multi-session history of about 25,000 tokens.
 */
import { RecallIndex, type TokenCounter } from "@recall/memory";
import { generateConversationSet, type GeneratedMessage } from "./conversation-generator.ts";
import { assembleRecall, assembleRecency, assembleTrimMessages, measure, systemPrompt, type ContextRequest, type StrategyTools } from "./context-strategies.ts";
import { qualitySeeds, referenceOptions } from "./evidence-quality.ts";

export const chatLengths = [5, 10, 20, 50, 200, 1000];
export const savingsSeeds = [11, 12, 13, 14, 15];
export const multiSessionTargetTokens = 25_000;

export interface SavingsRow {
  label: string;
  /** Means over the seeded chats. */
  messages: number;
  sessions: number;
  fullTokens: number;
  recallTokens: number;
  recencyTokens: number;
  trimMessagesTokens: number;
  /** Mean of each chat's own reduction, so a long chat does not outweigh a short one. */
  reduction: number;
  overBudget: number;
}

/** One long chat: session 0 of a set whose sessions are longer than the longest level (four, so a fact can change three times). */
export function generateLongChat(seed: number, messages: number): GeneratedMessage[] {
  const exchanges = Math.ceil(messages / 2) + 1;
  // Plain style: the long chat is filler and facts, the same as in earlier tables.
  const set = generateConversationSet({ ...referenceOptions, style: "plain", seed, sessions: 4, turnsPerSession: [exchanges, exchanges], questionCount: 6 });
  return set.sessions[0]!.messages;
}

export async function measureTokenSavings(tokenCounter: TokenCounter, budgetTokens: number): Promise<SavingsRow[]> {
  const chats = savingsSeeds.map((seed) => generateLongChat(seed, Math.max(...chatLengths) + 2));
  const rows: SavingsRow[] = [];
  for (const length of chatLengths) {
    const samples = await Promise.all(chats.map((chat) => measureOne(chat.slice(0, length), nextUserMessage(chat, length), tokenCounter, budgetTokens)));
    rows.push(average(`${length.toLocaleString("en-US")} messages, one chat`, samples));
  }
  const multiSession = await Promise.all(
    qualitySeeds.map((seed) => {
      const set = generateConversationSet({ seed, ...referenceOptions });
      const messages = set.sessions.flatMap((session) => session.messages);
      const length = prefixReaching(messages, tokenCounter, multiSessionTargetTokens);
      return measureOne(messages.slice(0, length), nextUserMessage(messages, length), tokenCounter, budgetTokens);
    }),
  );
  rows.push(average(`${multiSessionTargetTokens.toLocaleString("en-US")}+ tokens of messages, multi-session`, multiSession));
  return rows;
}

interface Sample {
  messages: number;
  sessions: number;
  fullTokens: number;
  recallTokens: number;
  recencyTokens: number;
  trimMessagesTokens: number;
  overBudget: boolean;
}

async function measureOne(history: GeneratedMessage[], next: GeneratedMessage, tokenCounter: TokenCounter, budgetTokens: number): Promise<Sample> {
  const index = new RecallIndex();
  for (const message of history) index.add(message);
  const tools: StrategyTools = { tokenCounter, index, messagesById: new Map(history.map((message) => [message.id, message])) };
  const request: ContextRequest = { history, sessionId: next.sessionId, userMessage: next.content, budgetTokens };
  const full = measure([{ role: "system", content: systemPrompt }, ...history, { role: "user", content: next.content }], tokenCounter);
  const recall = assembleRecall(request, tools);
  return {
    messages: history.length,
    sessions: new Set(history.map((message) => message.sessionId)).size,
    fullTokens: full,
    recallTokens: recall.totalTokens,
    recencyTokens: assembleRecency(request, tools).totalTokens,
    trimMessagesTokens: (await assembleTrimMessages(request, tools)).totalTokens,
    overBudget: recall.context.overBudget || recall.totalTokens > budgetTokens,
  };
}

/** The user message that comes next: the current turn for a history of `length` messages. */
function nextUserMessage(messages: readonly GeneratedMessage[], length: number): GeneratedMessage {
  const next = messages.slice(length).find((message) => message.role === "user");
  if (next === undefined) throw new RangeError(`No user message after ${length} messages.`);
  return next;
}

/** The shortest prefix, ending on a whole exchange, whose content reaches the target. */
function prefixReaching(messages: readonly GeneratedMessage[], tokenCounter: TokenCounter, target: number): number {
  let total = 0;
  for (let length = 0; length < messages.length; length += 1) {
    total += tokenCounter.count(messages[length]!.content);
    if (total >= target && messages[length]!.role === "assistant") return length + 1;
  }
  throw new RangeError(`The set holds fewer than ${target} tokens.`);
}

function average(label: string, samples: readonly Sample[]): SavingsRow {
  const mean = (select: (sample: Sample) => number): number => samples.reduce((sum, sample) => sum + select(sample), 0) / samples.length;
  return {
    label,
    messages: mean((sample) => sample.messages),
    sessions: mean((sample) => sample.sessions),
    fullTokens: mean((sample) => sample.fullTokens),
    recallTokens: mean((sample) => sample.recallTokens),
    recencyTokens: mean((sample) => sample.recencyTokens),
    trimMessagesTokens: mean((sample) => sample.trimMessagesTokens),
    reduction: mean((sample) => 1 - sample.recallTokens / sample.fullTokens),
    overBudget: samples.filter((sample) => sample.overBudget).length,
  };
}
