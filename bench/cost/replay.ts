/**
 * Replays users' chats turn by turn against the fake Ollama in its faithful cost mode and
 * keeps, per reply, what the model had to do: prompt tokens, tokens served from the slot's
 * KV cache, tokens prefilled, whether the model was reloaded. Baselines build their prompts
 * here and call Ollama's API directly; Recall is driven through the real server (HTTP, tRPC,
 * SQLite), upkeep calls (summaries, episodes) and all, on the same kind of fake.
 */
import { startFakeOllama, type FakeOllamaOptions, type RecordedRequest } from "@recall/fake-ollama";
import type { PromptMessage } from "@recall/memory";
import { collectStream, startHarness } from "@recall/server/testing";
import llama3Tokenizer from "llama3-tokenizer-js";
import { Ollama } from "ollama";
import type { GeneratedMessage } from "../memory/conversation-generator.ts";
import { interleave, type ReplayUser } from "./replay-data.ts";
import type { BaselineStrategy, StrategySettings } from "./strategies.ts";

export const model = "llama3.2";

type FakeCostOptions = NonNullable<FakeOllamaOptions["cost"]>;
type RequestCost = NonNullable<RecordedRequest["cost"]>;

export interface ReplayConfig {
  settings: StrategySettings;
  /** num_ctx every strategy sends (Recall's server plans the same one). */
  numCtx: number;
  numParallel: number;
  /** OLLAMA_MULTIUSER_CACHE: least recently used slot for a new sequence instead of the longest prefix. */
  multiUserCache: boolean;
  /** Ollama's template and tokenizer for the prompt cache: Llama 3's. */
  tokenize: (text: string) => number[];
}

export interface TurnCost {
  userIndex: number;
  /** Messages in the chat before this turn. */
  position: number;
  firstInChat: boolean;
  /** The whole chat (system prompt, every message, the new one), untruncated. */
  fullHistoryTokens: number;
  /** ... and whether it would fit num_ctx. */
  wholeChatFits: boolean;
  promptTokens: number;
  cachedTokens: number;
  prefilledTokens: number;
  reloaded: boolean;
  truncated: boolean;
  /** Recall only: whether its prompt continued the last one or was laid out afresh (and why). */
  layout?: string;
}

export interface ReplayResult {
  strategy: string;
  turns: TurnCost[];
  /** Model calls that were not replies (summaries, episodes, profile extraction). */
  upkeepCalls: number;
  /** Runner reloads over the whole run, replies and upkeep alike. */
  reloads: number;
  seconds: number;
}

export function llamaTokenize(text: string): number[] {
  return llama3Tokenizer.encode(text, { bos: false, eos: false });
}

function costOptions(config: ReplayConfig): FakeCostOptions {
  // Token counts only: time is derived from them per hardware profile afterwards.
  return { numParallel: config.numParallel, multiUserCache: config.multiUserCache, tokenize: config.tokenize, timeScale: 0, keepAlive: -1 };
}

/** The untruncated whole chat as Ollama would count it: Llama 3's template adds about 5 tokens per message and 5 per prompt. */
function wholeChatTokens(config: ReplayConfig, chat: readonly GeneratedMessage[], userMessage: string): number {
  return [config.settings.systemPrompt, ...chat.map((message) => message.content), userMessage].reduce((sum, text) => sum + config.settings.counter.count(text) + 5, 5);
}

function turnBase(config: ReplayConfig, step: { userIndex: number; turn: { position: number; user: GeneratedMessage }; firstInChat: boolean }, chat: readonly GeneratedMessage[]) {
  const fullHistoryTokens = wholeChatTokens(config, chat, step.turn.user.content);
  return { userIndex: step.userIndex, position: step.turn.position, firstInChat: step.firstInChat, fullHistoryTokens, wholeChatFits: fullHistoryTokens <= config.numCtx };
}

function turnCost(cost: RequestCost | undefined, record: RecordedRequest | undefined, base: Omit<TurnCost, "promptTokens" | "cachedTokens" | "prefilledTokens" | "reloaded" | "truncated">): TurnCost {
  if (cost === undefined) throw new Error("The fake recorded no cost for a reply: is its cost mode on?");
  return { ...base, promptTokens: cost.promptTokens, cachedTokens: cost.cachedTokens, prefilledTokens: cost.prefilledTokens, reloaded: cost.reloaded, truncated: record?.truncated ?? false };
}

/** A baseline: prompts built here, sent straight to the fake with the reply scripted. */
export async function replayBaseline(users: readonly ReplayUser[], config: ReplayConfig, make: (settings: StrategySettings) => BaselineStrategy): Promise<ReplayResult> {
  const started = performance.now();
  const fake = await startFakeOllama({ cost: costOptions(config), recordRequests: true });
  const ollama = new Ollama({ host: fake.url });
  const strategies = users.map(() => make(config.settings));
  const chats = new Map<string, GeneratedMessage[]>();
  const turns: TurnCost[] = [];
  try {
    for (const step of interleave(users)) {
      const strategy = strategies[step.userIndex]!;
      const key = `${step.userIndex}:${step.chat.sessionId}`;
      const chat = chats.get(key) ?? [];
      chats.set(key, chat);
      const messages: PromptMessage[] = await strategy.prompt({ chat, sessionId: step.chat.sessionId, userMessage: step.turn.user.content });
      fake.queueScript({ text: step.turn.reply.content });
      await ollama.chat({ model, messages, stream: false, options: { num_ctx: config.numCtx } });
      const record = fake.requests.at(-1);
      turns.push(
        turnCost(record?.cost, record, turnBase(config, step, chat)),
      );
      chat.push(step.turn.user, step.turn.reply);
      strategy.remember(step.turn.user);
      strategy.remember(step.turn.reply);
      // Requests are kept for the record lookup only; drop them as we go.
      fake.requests.length = 0;
    }
    return { strategy: strategies[0]?.key ?? "none", turns, upkeepCalls: 0, reloads: fake.costs.reloads, seconds: (performance.now() - started) / 1000 };
  } finally {
    await fake.close();
  }
}

interface Settles {
  idle(): Promise<void>;
}

/** Recall: the real server and its upkeep, replies scripted by the user's message they answer. */
export async function replayRecall(users: readonly ReplayUser[], config: ReplayConfig, strategy: string): Promise<ReplayResult> {
  const started = performance.now();
  const replies = new Map<string, string[]>();
  for (const user of users) for (const chat of user.chats) for (const turn of chat.turns) replies.set(turn.user.content, [...(replies.get(turn.user.content) ?? []), turn.reply.content]);
  const isReply = (messages: ReadonlyArray<{ role: string; content: string }>): boolean => messages[0]?.role === "system" && messages[0].content === config.settings.systemPrompt;
  const harness = await startHarness({
    fake: {
      cost: costOptions(config),
      recordRequests: true,
      reply: (request) => {
        if (request.format !== undefined || !isReply(request.messages)) return undefined;
        const queue = replies.get(request.lastUserMessage);
        const text = queue?.shift();
        return text === undefined ? undefined : { text };
      },
    },
    config: {
      systemPrompt: config.settings.systemPrompt,
      maxContextTokens: config.numCtx,
      answerReserveTokens: config.numCtx - config.settings.budgetTokens,
      bufferMessages: config.settings.bufferSize,
      defaultModel: model,
    },
  });
  const background = Object.values(harness.recall.services).filter((service): service is Settles => typeof (service as Partial<Settles> | null)?.idle === "function");
  const settle = async (): Promise<void> => {
    for (const service of background) await service.idle();
  };
  const turns: TurnCost[] = [];
  let upkeepCalls = 0;
  try {
    const clients = await Promise.all(users.map(() => harness.newUser()));
    const sessions = new Map<string, string>();
    const chats = new Map<string, GeneratedMessage[]>();
    for (const step of interleave(users)) {
      const { client } = clients[step.userIndex]!;
      const key = `${step.userIndex}:${step.chat.sessionId}`;
      let sessionId = sessions.get(key);
      if (sessionId === undefined) {
        sessionId = (await client.session.create.mutate({ model })).id;
        sessions.set(key, sessionId);
        // The user takes a moment to type: what a new chat starts (the last chat's episode) runs meanwhile.
        await settle();
      }
      const chat = chats.get(key) ?? [];
      chats.set(key, chat);
      harness.fake.requests.length = 0;
      const { assistantMessage } = await client.message.send.mutate({ sessionId, content: step.turn.user.content });
      const stream = await collectStream(client, assistantMessage.id);
      if (stream.final?.type !== "done") throw new Error(`A reply ended ${stream.final?.type ?? "without an end"}.`);
      await settle();
      const modelCalls = harness.fake.requests.filter((request) => request.path === "/api/chat" || request.path === "/api/generate");
      const reply = modelCalls.find((request) => isReply((request.body as { messages?: Array<{ role: string; content: string }> }).messages ?? []));
      upkeepCalls += modelCalls.length - (reply ? 1 : 0);
      const cache = (await client.message.context.query({ messageId: assistantMessage.id })).metadata?.promptCache;
      const layout = cache === undefined ? undefined : cache.decision === "rebuilt" ? `rebuilt:${cache.rebuildReason ?? "?"}` : "continued";
      turns.push({ ...turnCost(reply?.cost, reply, turnBase(config, step, chat)), ...(layout === undefined ? {} : { layout }) });
      chat.push(step.turn.user, step.turn.reply);
    }
    return { strategy, turns, upkeepCalls, reloads: harness.fake.costs.reloads, seconds: (performance.now() - started) / 1000 };
  } finally {
    await harness.close();
  }
}
