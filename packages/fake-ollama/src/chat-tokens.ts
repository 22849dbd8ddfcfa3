import { IMAGE_TOKENS } from "./prompt-budget.ts";
import { BEGIN_OF_TEXT, END_HEADER, END_OF_TURN, imageTokenId, START_HEADER } from "./token-ids.ts";
import type { ChatMessage } from "./types.ts";
import { firstKeptMessage } from "./prompt-budget.ts";

export type Tokenize = (text: string) => number[];

export interface TokenPromptRequest {
  messages: ChatMessage[];
  tools: unknown[];
  tokenize: Tokenize;
  numCtx: number;
  /** Ollama's `truncate` (default true): false makes an oversized prompt an error. */
  truncate: boolean;
  vision: boolean;
  /** A generate request's `context`: token ids placed before the rendered prompt. */
  context: number[];
  /** `num_keep` (default 4): tokens the runner keeps at the front when it must cut inside the prompt. */
  numKeep: number;
}

export interface TokenPrompt {
  /** The token sequence the runner evaluates (and caches): prompt_eval_count is its length. */
  tokens: number[];
  truncated: boolean;
  /** Only when `truncate` is false: the prompt does not fit and Ollama answers 400. */
  exceedsContext: boolean;
}

/**
 * One message in Ollama's llama3.2 template:
 * `<|start_header_id|>{role}<|end_header_id|>\n\n{content}<|eot_id|>`.
 * Each text part is tokenized on its own: BPE pre-tokenization splits "\n\n" from the
 * content after it, and a reply streamed back as an assistant message then tokenizes the
 * same way as when it was generated, which is what lets the next turn reuse it.
 */
function messageTokens(message: ChatMessage, tokenize: Tokenize, vision: boolean): number[] {
  const tokens = [START_HEADER, ...tokenize(message.role), END_HEADER, ...tokenize("\n\n")];
  if (vision && message.images) {
    for (const image of message.images) tokens.push(...new Array<number>(IMAGE_TOKENS).fill(imageTokenId(image)));
  }
  tokens.push(...tokenize(message.content));
  if (message.tool_calls && message.tool_calls.length > 0) tokens.push(...tokenize(JSON.stringify(message.tool_calls)));
  tokens.push(END_OF_TURN);
  return tokens;
}

/** The open assistant header the reply continues: `<|start_header_id|>assistant<|end_header_id|>\n\n`. */
export function assistantHeader(tokenize: Tokenize): number[] {
  return [START_HEADER, ...tokenize("assistant"), END_HEADER, ...tokenize("\n\n")];
}

/**
 * The chat rendered to token ids, then truncated like measurePrompt (server/prompt.go
 * chatPrompt): whole messages dropped from the front, keeping system messages and the last
 * message. If that still does not fit, the runner's NewSequence (runner/ollamarunner/runner.go)
 * keeps `num_keep` tokens and drops what follows them until exactly num_ctx tokens remain.
 */
export function templatedTokens(request: TokenPromptRequest): TokenPrompt {
  const { messages, tokenize, numCtx } = request;
  const head = [BEGIN_OF_TEXT, ...request.context];
  if (request.tools.length > 0) head.push(...tokenize(JSON.stringify(request.tools)));
  const tail = assistantHeader(tokenize);
  const rendered = messages.map((message) => messageTokens(message, tokenize, request.vision));

  const { keptFrom } = firstKeptMessage(
    messages,
    rendered.map((message) => message.length),
    head.length + tail.length,
    numCtx,
    request.truncate,
  );
  const tokens = [...head];
  for (let index = 0; index < messages.length; index++) {
    if (index >= keptFrom || messages[index]?.role === "system") tokens.push(...(rendered[index] ?? []));
  }
  tokens.push(...tail);
  if (tokens.length <= numCtx) return { tokens, truncated: keptFrom > 0, exceedsContext: false };
  if (!request.truncate) return { tokens, truncated: false, exceedsContext: true };
  return { tokens: cutToContext(tokens, numCtx, request.numKeep), truncated: true, exceedsContext: false };
}

/** NewSequence's cut: keep `numKeep` (at most numCtx - 1) tokens, drop the ones after them so numCtx remain. */
export function cutToContext(tokens: number[], numCtx: number, numKeep: number): number[] {
  if (tokens.length <= numCtx) return tokens;
  const keep = Math.max(0, Math.min(numKeep, numCtx - 1));
  const discard = tokens.length - numCtx;
  return [...tokens.slice(0, keep), ...tokens.slice(keep + discard)];
}
