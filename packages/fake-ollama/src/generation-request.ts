import type { Exchange } from "./exchange.ts";
import type { CatalogModel } from "./models.ts";
import { composeReply, hashText } from "./reply-text.ts";
import { composeStructuredReply } from "./structured-reply.ts";
import { splitTokens } from "./tokenizer.ts";
import type { ChatMessage, ChatRequestInfo, ChatScript, Failure, ScriptedToolCall } from "./types.ts";
import { timestamp } from "./wire-format.ts";

export type Endpoint = "chat" | "generate";

/** The reply to an empty chat or generate request: Ollama loads (or unloads) the model and answers at once. */
export function loadReply(exchange: Exchange, endpoint: Endpoint, model: string, doneReason: "load" | "unload"): void {
  const head = { model, created_at: timestamp() };
  exchange.json(
    200,
    endpoint === "chat"
      ? { ...head, message: { role: "assistant", content: "" }, done_reason: doneReason, done: true }
      : { ...head, response: "", done: true, done_reason: doneReason },
  );
}

/** The next queued script, else the guard model's verdict, else the reply hook's answer. */
export function pickScript(exchange: Exchange, info: ChatRequestInfo): ChatScript | undefined {
  const queued = exchange.state.scripts.shift();
  if (queued) return queued;
  if (exchange.guardAnswer !== undefined) return { text: exchange.guardAnswer };
  return exchange.state.settings.reply?.(info);
}

/** `think` as Ollama reads it: true, or a level such as "high", turns thinking on. */
export function thinkRequested(think: unknown): boolean {
  return think === true || (typeof think === "string" && think !== "" && think !== "false");
}

export function lastUserMessage(messages: ChatMessage[]): string {
  for (let index = messages.length - 1; index >= 0; index--) {
    const message = messages[index];
    if (message?.role === "user") return message.content;
  }
  return messages[messages.length - 1]?.content ?? "";
}

/** num_ctx from the request, else the Modelfile, else the server default; never above the trained context. */
export function effectiveNumCtx(options: Record<string, unknown>, model: CatalogModel, serverDefault: number): number {
  const requested = options["num_ctx"];
  const numCtx = typeof requested === "number" && requested > 0 ? Math.floor(requested) : (model.defaultNumCtx ?? serverDefault);
  return Math.min(numCtx, model.contextLength);
}

export interface ReplyPieces {
  thinking: string[];
  content: string[];
  toolCalls: ScriptedToolCall[];
  doneReason: "stop" | "length";
}

export interface ReplyRequest {
  script: ChatScript | undefined;
  seedText: string;
  format: unknown;
  thinkingModel: boolean;
  /** The request sent `think: false`. */
  thinkOff: boolean;
  replyTokens: number;
  options: Record<string, unknown>;
  /** Tokens left before the context is full when the request sent `shift: false`. */
  contextRoom: number | undefined;
}

function cutAtStop(pieces: string[], stops: string[]): { pieces: string[]; cut: boolean } {
  const text = pieces.join("");
  let cutAt = -1;
  for (const stop of stops) {
    const found = stop === "" ? -1 : text.indexOf(stop);
    if (found >= 0 && (cutAt < 0 || found < cutAt)) cutAt = found;
  }
  if (cutAt < 0) return { pieces, cut: false };
  const kept: string[] = [];
  let length = 0;
  for (const piece of pieces) {
    if (length + piece.length <= cutAt) kept.push(piece);
    else {
      if (cutAt > length) kept.push(piece.slice(0, cutAt - length));
      break;
    }
    length += piece.length;
  }
  return { pieces: kept, cut: true };
}

/** The pieces the model "generates": script first, then structured output, then filler text; then stop, num_predict and context limits. */
export function composePieces(request: ReplyRequest): ReplyPieces {
  const { script, seedText } = request;
  const scriptedContent = script?.tokens !== undefined || script?.text !== undefined;
  let content: string[];
  if (script?.tokens) content = script.tokens;
  else if (script?.text !== undefined) content = splitTokens(script.text);
  else if (script?.toolCalls !== undefined) content = [];
  else if (request.format !== undefined && request.format !== null && request.format !== "") {
    content = splitTokens(composeStructuredReply(request.format, seedText));
  } else content = composeReply(seedText, request.replyTokens);

  // Scripted thinking shows unless the client turned thinking off; made-up thinking only comes from thinking models.
  let thinking: string[] = [];
  if (!request.thinkOff && script?.thinking !== undefined) thinking = splitTokens(script.thinking);
  else if (!request.thinkOff && request.thinkingModel && !scriptedContent && script?.toolCalls === undefined) {
    thinking = composeReply(seedText, Math.ceil(request.replyTokens / 2), 0x5eed);
  }

  const stops = request.options["stop"];
  const stopCut = Array.isArray(stops) ? cutAtStop(content, stops.filter((stop): stop is string => typeof stop === "string")) : undefined;
  if (stopCut) content = stopCut.pieces;
  let toolCalls = stopCut?.cut ? [] : (script?.toolCalls ?? []);

  const numPredict = request.options["num_predict"];
  let limit = typeof numPredict === "number" && numPredict > 0 ? numPredict : Infinity;
  if (request.contextRoom !== undefined) limit = Math.min(limit, Math.max(0, request.contextRoom));
  let doneReason: "stop" | "length" = "stop";
  if (thinking.length + content.length > limit) {
    thinking = thinking.slice(0, limit);
    content = content.slice(0, limit - thinking.length);
    toolCalls = [];
    doneReason = "length";
  }
  return { thinking, content, toolCalls, doneReason };
}

/** Ollama's tool call shape; ids are derived from the call so replies stay deterministic. */
export function wireToolCalls(toolCalls: ScriptedToolCall[]): unknown[] {
  return toolCalls.map((call, index) => {
    const suffix = hashText(`${index}:${call.name}:${JSON.stringify(call.arguments)}`).toString(36).padStart(8, "0").slice(0, 8);
    return { id: `call_${suffix}`, function: { index, name: call.name, arguments: call.arguments } };
  });
}

/** What the handlers know of a request once it passed every check: enough to script its reply. */
export interface AcceptedReply {
  endpoint: Endpoint;
  requestedModel: string;
  messages: ChatMessage[];
  /** The last user message (chat) or the prompt (generate): the reply hook's seed. */
  seedText: string;
  options: Record<string, unknown>;
  tools: unknown[];
  numCtx: number;
  promptTokens: number;
  truncated: boolean;
  thinkingModel: boolean;
}

export interface ScriptedReply {
  script: ChatScript | undefined;
  /** The script's failure, once an HTTP error (answered at once) is ruled out. */
  failure: Exclude<Failure, { kind: "http-error" }> | undefined;
  pieces: ReplyPieces;
  toolCalls: unknown[] | undefined;
  toolCallTokens: number;
}

/**
 * Asks for the reply (a queued script, else the hook, else the default) and splits it into
 * pieces; undefined when the script was an HTTP error, which is answered here.
 */
export function scriptReply(exchange: Exchange, accepted: AcceptedReply): ScriptedReply | undefined {
  const { body, state } = exchange;
  const info: ChatRequestInfo = {
    endpoint: accepted.endpoint,
    model: accepted.requestedModel,
    messages: accepted.messages,
    lastUserMessage: accepted.seedText,
    options: accepted.options,
    format: body["format"],
    think: body["think"] as ChatRequestInfo["think"],
    tools: accepted.tools,
    promptEvalCount: accepted.promptTokens,
    numCtx: accepted.numCtx,
    truncated: accepted.truncated,
  };
  const script = pickScript(exchange, info);
  const failure = script?.failure;
  if (failure?.kind === "http-error") {
    exchange.error(failure.status, failure.message);
    return undefined;
  }
  const pieces = composePieces({
    script,
    seedText: accepted.seedText,
    format: body["format"],
    thinkingModel: accepted.thinkingModel,
    thinkOff: body["think"] === false,
    replyTokens: state.settings.replyTokens,
    options: accepted.options,
    contextRoom: body["shift"] === false ? accepted.numCtx - accepted.promptTokens : undefined,
  });
  const toolCalls = accepted.endpoint === "chat" && pieces.toolCalls.length > 0 ? wireToolCalls(pieces.toolCalls) : undefined;
  const toolCallTokens = toolCalls ? state.settings.countTokens(JSON.stringify(pieces.toolCalls)) : 0;
  return { script, failure, pieces, toolCalls, toolCallTokens };
}
