import { checkFieldTypes, type Exchange } from "./exchange.ts";
import { Generation } from "./generation.ts";
import { playCostedGeneration } from "./costed-requests.ts";
import { effectiveNumCtx, lastUserMessage, loadReply, scriptReply, thinkRequested, type Endpoint } from "./generation-request.ts";
import { guardAnswer, guardPromptMessages } from "./guard-model.ts";
import { findModel, modelNotFoundMessage, type CatalogModel } from "./models.ts";
import { measurePrompt } from "./prompt-budget.ts";
import { hashText } from "./reply-text.ts";
import { keepAliveMillis, markLoaded, requestKeepAlive } from "./state.ts";
import type { ChatMessage } from "./types.ts";
import { chatWire, generateWire } from "./wire-format.ts";

const chatFields = { model: "string", messages: "array", stream: "bool", options: "object", tools: "array", truncate: "bool", shift: "bool" } as const;
const generateFields = { model: "string", prompt: "string", system: "string", stream: "bool", options: "object", raw: "bool", context: "array", images: "array", truncate: "bool", shift: "bool" } as const;

function readMessages(value: unknown): ChatMessage[] | string {
  if (!Array.isArray(value)) return [];
  const messages: ChatMessage[] = [];
  for (const entry of value) {
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      return "json: cannot unmarshal into Go struct field ChatRequest.messages of type api.Message";
    }
    const message = entry as Record<string, unknown>;
    for (const field of ["role", "content"]) {
      const fieldValue = message[field];
      if (fieldValue !== undefined && fieldValue !== null && typeof fieldValue !== "string") {
        return `json: cannot unmarshal ${typeof fieldValue} into Go struct field ChatRequest.messages.${field} of type string`;
      }
    }
    messages.push({ ...(message as Partial<ChatMessage>), role: String(message["role"] ?? ""), content: String(message["content"] ?? "") });
  }
  return messages;
}

function toolsCapabilityMessage(model: CatalogModel): string {
  const qualified = model.name.includes("/") ? model.name : `library/${model.name}`;
  return `registry.ollama.ai/${qualified} does not support tools`;
}

/** POST /api/chat and POST /api/generate, validated in the order Ollama checks. */
export function handleGeneration(exchange: Exchange, endpoint: Endpoint): void | Promise<void> {
  const { body, state } = exchange;
  const typeError = checkFieldTypes(body, endpoint === "chat" ? "ChatRequest" : "GenerateRequest", endpoint === "chat" ? chatFields : generateFields);
  if (typeError) return exchange.error(400, typeError);

  const requestedModel = typeof body["model"] === "string" ? body["model"] : "";
  if (requestedModel === "") return exchange.error(400, "model is required");
  const model = findModel(state.models, requestedModel);
  if (!model) return exchange.error(404, modelNotFoundMessage(requestedModel));
  exchange.record.model = model.name;

  let messages: ChatMessage[];
  const prompt = typeof body["prompt"] === "string" ? body["prompt"] : "";
  const system = typeof body["system"] === "string" ? body["system"] : "";
  if (endpoint === "chat") {
    const parsed = readMessages(body["messages"]);
    if (typeof parsed === "string") return exchange.error(400, parsed);
    messages = parsed;
  } else {
    messages = prompt === "" ? [] : [...(system ? [{ role: "system", content: system }] : []), { role: "user", content: prompt }];
  }

  if (state.settings.guard?.model === model.name && messages.length > 0 && body["raw"] !== true) {
    // Judged on what the client sent; counted and cached as the guard template renders it.
    exchange.guardAnswer = guardAnswer(messages, state.settings.guard);
    messages = guardPromptMessages(messages);
  }

  const keepAliveMs = keepAliveMillis(body["keep_alive"]);
  if (messages.length === 0 && keepAliveMs === 0) {
    if (state.cost) state.cost.scheduler.expireRunner(model);
    else state.loaded.delete(model.name);
    return loadReply(exchange, endpoint, requestedModel, "unload");
  }
  const context = Array.isArray(body["context"]) ? body["context"] : [];
  const raw = body["raw"] === true;
  if (endpoint === "generate" && raw && (system !== "" || context.length > 0 || typeof body["template"] === "string")) {
    return exchange.error(400, "raw mode does not support template, system, or context");
  }

  const thinkingModel = model.capabilities.includes("thinking");
  if (!thinkingModel && thinkRequested(body["think"])) {
    return exchange.error(400, `${JSON.stringify(requestedModel)} does not support thinking`);
  }
  if (!model.capabilities.includes("completion")) {
    return exchange.error(400, `${JSON.stringify(requestedModel)} does not support ${endpoint}`);
  }
  const tools = endpoint === "chat" && Array.isArray(body["tools"]) ? body["tools"] : [];
  if (tools.length > 0 && !model.capabilities.includes("tools")) return exchange.error(400, toolsCapabilityMessage(model));

  const options = (body["options"] ?? {}) as Record<string, unknown>;
  const numCtx = effectiveNumCtx(options, model, state.settings.defaultNumCtx);
  if (state.cost) {
    return playCostedGeneration(exchange, state.cost, {
      endpoint,
      requestedModel,
      model,
      messages,
      prompt,
      raw,
      context: context.filter((id): id is number => typeof id === "number"),
      tools,
      options,
      numCtx,
      thinkingModel,
      keepAliveMs: requestKeepAlive(body["keep_alive"]),
    });
  }
  markLoaded(state, model, numCtx, keepAliveMs);
  if (messages.length === 0) return loadReply(exchange, endpoint, requestedModel, "load");

  const countTokens = state.settings.countTokens;
  const rawTokens = raw ? 1 + countTokens(prompt) : 0;
  const measure = raw
    ? { promptEvalCount: Math.min(rawTokens, numCtx), truncated: rawTokens > numCtx, exceedsContext: false }
    : measurePrompt({
        messages,
        tools,
        countTokens,
        numCtx,
        truncate: body["truncate"] !== false,
        vision: model.capabilities.includes("vision"),
        extraTokens: context.length,
      });
  if (measure.exceedsContext) return exchange.error(400, "the input length exceeds the context length");
  Object.assign(exchange.record, { promptEvalCount: measure.promptEvalCount, numCtx, truncated: measure.truncated });

  playReply(exchange, {
    endpoint,
    requestedModel,
    model,
    messages,
    prompt,
    raw,
    tools,
    options,
    numCtx,
    thinkingModel,
    promptEvalCount: measure.promptEvalCount,
    truncated: measure.truncated,
  });
}

interface AcceptedRequest {
  endpoint: Endpoint;
  requestedModel: string;
  model: CatalogModel;
  messages: ChatMessage[];
  prompt: string;
  raw: boolean;
  tools: unknown[];
  options: Record<string, unknown>;
  numCtx: number;
  thinkingModel: boolean;
  promptEvalCount: number;
  truncated: boolean;
}

/** Picks the script and starts the generation for a request that passed every check. */
function playReply(exchange: Exchange, accepted: AcceptedRequest): void {
  const { body, state } = exchange;
  const { endpoint, requestedModel, messages, prompt, options, numCtx, promptEvalCount } = accepted;
  const seedText = endpoint === "chat" ? lastUserMessage(messages) : prompt;
  const scripted = scriptReply(exchange, {
    endpoint,
    requestedModel,
    messages,
    seedText,
    options,
    tools: accepted.tools,
    numCtx,
    promptTokens: promptEvalCount,
    truncated: accepted.truncated,
    thinkingModel: accepted.thinkingModel,
  });
  if (!scripted) return;
  const { script, failure, pieces, toolCalls, toolCallTokens } = scripted;
  const tokensPerSecond = script?.tokensPerSecond ?? state.settings.tokensPerSecond;
  const wire =
    endpoint === "chat"
      ? chatWire(requestedModel)
      : generateWire(requestedModel, !accepted.raw, hashText(`${accepted.model.name}\n${prompt}`));

  const generation = new Generation(
    {
      thinking: pieces.thinking,
      content: pieces.content,
      toolCalls,
      toolCallTokens,
      failure,
      doneReason: pieces.doneReason,
      intervalMs: tokensPerSecond > 0 && Number.isFinite(tokensPerSecond) ? 1000 / tokensPerSecond : 0,
      firstTokenLatencyMs: Math.max(0, script?.firstTokenLatencyMs ?? state.settings.firstTokenLatencyMs),
      promptEvalCount,
      stream: body["stream"] !== false,
      readyAt: performance.now(),
    },
    wire,
    exchange,
    state.generations,
    state.settings.recordTokenTimes,
  );
  generation.start();
}
