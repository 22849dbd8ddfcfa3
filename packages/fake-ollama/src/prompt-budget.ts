import { countTokens as defaultCountTokens } from "./tokenizer.ts";
import type { ChatMessage } from "./types.ts";

/** Llama 3 style framing: header start, role, header end, end of turn. */
export const TEMPLATE_TOKENS_PER_MESSAGE = 4;
/** Begin-of-text plus the open assistant header the reply continues. */
export const TEMPLATE_TOKENS_PER_PROMPT = 4;
/** Ollama counts a CLIP image as this many tokens on vision models. */
export const IMAGE_TOKENS = 768;

export interface PromptRequest {
  messages: ChatMessage[];
  tools: unknown[];
  countTokens: (text: string) => number;
  numCtx: number;
  /** Ollama's `truncate` (default true): false makes an oversized prompt an error. */
  truncate: boolean;
  vision: boolean;
  /** Tokens outside the messages, e.g. a generate request's `context`. */
  extraTokens: number;
}

export interface PromptMeasure {
  promptEvalCount: number;
  truncated: boolean;
  /** Only when `truncate` is false: the prompt does not fit and Ollama answers 400. */
  exceedsContext: boolean;
}

function messageTokens(message: ChatMessage, countTokens: (text: string) => number, vision: boolean): number {
  let tokens = TEMPLATE_TOKENS_PER_MESSAGE + countTokens(message.content);
  if (message.tool_calls && message.tool_calls.length > 0) tokens += countTokens(JSON.stringify(message.tool_calls));
  if (vision && message.images) tokens += IMAGE_TOKENS * message.images.length;
  return tokens;
}

/** A tool result is never kept without the assistant turn that called it. */
export function toolBlockStart(messages: readonly ChatMessage[], index: number): number {
  if (index <= 0 || messages[index]?.role !== "tool") return index;
  let start = index;
  while (start > 0 && messages[start - 1]?.role === "tool") start--;
  const caller = messages[start - 1];
  return caller?.role === "assistant" && (caller.tool_calls?.length ?? 0) > 0 ? start - 1 : index;
}

/**
 * server/prompt.go chatPrompt: with `truncate`, whole messages are dropped from the front
 * (system messages and the last message always stay, a tool result with its caller) until
 * the prompt fits `numCtx`. Returns where the kept messages start and the prompt's size then.
 */
export function firstKeptMessage(messages: readonly ChatMessage[], lengths: readonly number[], base: number, numCtx: number, truncate: boolean): { keptFrom: number; total: number } {
  const suffix = new Array<number>(messages.length + 1).fill(0);
  for (let index = messages.length - 1; index >= 0; index--) suffix[index] = (suffix[index + 1] ?? 0) + (lengths[index] ?? 0);
  const systemBefore = new Array<number>(messages.length + 1).fill(0);
  for (let index = 0; index < messages.length; index++) {
    systemBefore[index + 1] = (systemBefore[index] ?? 0) + (messages[index]?.role === "system" ? (lengths[index] ?? 0) : 0);
  }
  const totalFrom = (start: number) => base + (systemBefore[start] ?? 0) + (suffix[start] ?? 0);
  let keptFrom = 0;
  if (truncate) {
    for (let index = 0; index < messages.length; index++) {
      keptFrom = toolBlockStart(messages, index);
      if (totalFrom(keptFrom) <= numCtx) break;
    }
  }
  return { keptFrom, total: totalFrom(keptFrom) };
}

/**
 * Counts the prompt the way Ollama's chatPrompt and runner would see it:
 * drop whole messages from the front (keeping system messages and always the
 * last message) until the templated prompt fits `numCtx`; if the rest still
 * does not fit, the runner keeps `num_keep` tokens and cuts right after them,
 * so exactly `numCtx` tokens are evaluated.
 */
export function measurePrompt(request: PromptRequest): PromptMeasure {
  const { messages, countTokens, numCtx } = request;
  const toolTokens = request.tools.length > 0 ? countTokens(JSON.stringify(request.tools)) : 0;
  const base = TEMPLATE_TOKENS_PER_PROMPT + toolTokens + request.extraTokens;
  const tokens = messages.map((message) => messageTokens(message, countTokens, request.vision));

  const { keptFrom, total: count } = firstKeptMessage(messages, tokens, base, numCtx, request.truncate);
  if (count <= numCtx) return { promptEvalCount: count, truncated: keptFrom > 0, exceedsContext: false };
  if (!request.truncate) return { promptEvalCount: count, truncated: false, exceedsContext: true };
  return { promptEvalCount: numCtx, truncated: true, exceedsContext: false };
}

/** The prompt_eval_count an untruncated chat request gets: handy for asserting budgets in tests. */
export function templatedPromptTokens(messages: ChatMessage[], countTokens: (text: string) => number = defaultCountTokens): number {
  let total = TEMPLATE_TOKENS_PER_PROMPT;
  for (const message of messages) total += messageTokens(message, countTokens, false);
  return total;
}
