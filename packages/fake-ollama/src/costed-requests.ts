/**
 * Chat, generate and embed requests under the `cost` option: they go through the
 * scheduler (load, reload, queue), take a slot, pay for the prompt tokens the slot's
 * cache does not hold and for every generated token, on the simulated clock.
 */
import { cutToContext, templatedTokens, type TokenPrompt } from "./chat-tokens.ts";
import { emptyRequestCost, millisPerToken, numKeepOf, type CostModel } from "./cost-model.ts";
import type { Exchange } from "./exchange.ts";
import { Generation } from "./generation.ts";
import { lastUserMessage, loadReply, scriptReply, type Endpoint } from "./generation-request.ts";
import { appendWithShift, type SlotChoice } from "./input-cache.ts";
import type { CatalogModel } from "./models.ts";
import { hashText } from "./reply-text.ts";
import { RequestGoneError, runnerOptionsOf, ServerBusyError, type Lease } from "./scheduler.ts";
import { BEGIN_OF_TEXT } from "./token-ids.ts";
import type { ChatMessage, PromptEvalCountMode, RequestCost } from "./types.ts";
import { chatWire, generateWire, type GenerationMetrics } from "./wire-format.ts";

const NANOS_PER_MILLI = 1e6;

function nanos(milliseconds: number): number {
  return Math.round(milliseconds * NANOS_PER_MILLI);
}

/**
 * prompt_eval_count as each generation of Ollama reported it (see PromptEvalCountMode):
 * the Go runners' `numPromptInputs` and llama-server's `cache_n + prompt_n` (whole), its
 * `prompt_n` alone (prefilled), or llm/ext_server/server.cpp's `n_prompt_tokens - n_past`
 * taken before "we have to evaluate at least 1 token" (omit-when-cached: 0, then omitted).
 */
function reportedCount(mode: PromptEvalCountMode, promptTokens: number, choice: SlotChoice): number | undefined {
  switch (mode) {
    case "whole":
      return promptTokens;
    case "prefilled":
      return promptTokens - choice.cached;
    case "omit-when-cached": {
      // server.cpp: "the last token of the cache is not in the KV cache", so a slot wholly inside the prompt gives one back.
      const past = choice.commonPrefix > 0 && choice.commonPrefix === choice.slotLength ? choice.commonPrefix - 1 : choice.commonPrefix;
      const count = promptTokens - past;
      return count > 0 ? count : undefined;
    }
  }
}

interface Admission {
  cost: CostModel;
  requestCost: RequestCost;
  signal: AbortSignal;
}

/** Stamps the arrival, ties an abort signal to the client's connection. */
function admit(exchange: Exchange, cost: CostModel, endpoint: RequestCost["endpoint"], model: CatalogModel): Admission {
  const controller = new AbortController();
  exchange.response.once("close", () => controller.abort());
  return { cost, requestCost: emptyRequestCost(endpoint, model.name, exchange.simulatedArrival), signal: controller.signal };
}

/** The scheduler's answer: a lease, or undefined once the 503 (or nothing, for a client that left) went out. */
async function getRunner(
  exchange: Exchange,
  admission: Admission,
  model: CatalogModel,
  options: Record<string, unknown>,
  numCtx: number,
  keepAliveMs: number | undefined,
): Promise<Lease | undefined> {
  const { cost, requestCost, signal } = admission;
  let leased: Promise<Lease>;
  try {
    leased = cost.scheduler.getRunner({
      model,
      options: runnerOptionsOf(options, numCtx, exchange.body["shift"]),
      keepAliveMs,
      cost: requestCost,
      signal,
    });
  } catch (error) {
    if (!(error instanceof ServerBusyError)) throw error;
    exchange.error(503, error.message);
    return undefined;
  }
  exchange.record.cost = requestCost;
  cost.record(requestCost);
  try {
    return await leased;
  } catch (error) {
    if (!(error instanceof RequestGoneError)) throw error;
    exchange.record.outcome = "aborted";
    return undefined;
  }
}

function finishCost(requestCost: RequestCost, finishedAt: number): void {
  requestCost.finishedAt = finishedAt;
  requestCost.totalMs = finishedAt - requestCost.arrivedAt;
}

export interface CostedGeneration {
  endpoint: Endpoint;
  requestedModel: string;
  model: CatalogModel;
  messages: ChatMessage[];
  prompt: string;
  raw: boolean;
  /** A generate request's `context` token ids. */
  context: number[];
  tools: unknown[];
  options: Record<string, unknown>;
  numCtx: number;
  thinkingModel: boolean;
  keepAliveMs: number | undefined;
}

function promptTokensOf(exchange: Exchange, cost: CostModel, request: CostedGeneration): TokenPrompt {
  const { numCtx, options } = request;
  const numKeep = numKeepOf(options);
  if (request.raw) {
    const tokens = [BEGIN_OF_TEXT, ...cost.tokenize(request.prompt)];
    return { tokens: cutToContext(tokens, numCtx, numKeep), truncated: tokens.length > numCtx, exceedsContext: false };
  }
  return templatedTokens({
    messages: request.messages,
    tools: request.tools,
    tokenize: cost.tokenize,
    numCtx,
    truncate: exchange.body["truncate"] !== false,
    vision: request.model.capabilities.includes("vision"),
    context: request.context,
    numKeep,
  });
}

/** /api/chat and /api/generate once validated, with costs. */
export async function playCostedGeneration(exchange: Exchange, cost: CostModel, request: CostedGeneration): Promise<void> {
  const { body, state } = exchange;
  const { endpoint, requestedModel, model, messages, options, numCtx } = request;
  const admission = admit(exchange, cost, endpoint, model);
  const { requestCost, signal } = admission;

  // An empty request only loads the model (server/routes.go answers done_reason "load").
  if (messages.length === 0) {
    const lease = await getRunner(exchange, admission, model, options, numCtx, request.keepAliveMs);
    if (!lease) return;
    lease.release(lease.readyAt);
    cost.clock.reach(lease.readyAt);
    finishCost(requestCost, lease.readyAt);
    requestCost.timeToFirstTokenMs = requestCost.totalMs;
    return loadReply(exchange, endpoint, requestedModel, "load");
  }

  const prompt = promptTokensOf(exchange, cost, request);
  if (prompt.exceedsContext) return exchange.error(400, "the input length exceeds the context length");
  const promptTokens = prompt.tokens.length;
  Object.assign(exchange.record, { promptEvalCount: promptTokens, numCtx, truncated: prompt.truncated });

  // The script is picked on arrival, so queued scripts go to requests in the order they came.
  const seedText = endpoint === "chat" ? lastUserMessage(messages) : request.prompt;
  const scripted = scriptReply(exchange, {
    endpoint,
    requestedModel,
    messages,
    seedText,
    options,
    tools: request.tools,
    numCtx,
    promptTokens,
    truncated: prompt.truncated,
    thinkingModel: request.thinkingModel,
  });
  if (!scripted) return;
  const { script, failure, pieces, toolCalls, toolCallTokens } = scripted;

  const lease = await getRunner(exchange, admission, model, options, numCtx, request.keepAliveMs);
  if (!lease) return;
  let acquired;
  try {
    acquired = await lease.acquireSlot(prompt.tokens, true, signal);
  } catch (error) {
    if (!(error instanceof RequestGoneError)) throw error;
    lease.release(lease.readyAt);
    exchange.record.outcome = "aborted";
    finishCost(requestCost, lease.readyAt);
    return;
  }

  // Prefill what the slot did not hold, then one decode step per generated token.
  const modelCost = cost.modelCost(model);
  const startedAt = acquired.startedAt;
  const prefilledTokens = promptTokens - acquired.cached;
  const prefillMs = prefilledTokens * millisPerToken(modelCost.prefillTokensPerSecond);
  const extraMs = Math.max(0, script?.firstTokenLatencyMs ?? state.settings.firstTokenLatencyMs);
  const tokenMs = millisPerToken(script?.tokensPerSecond ?? modelCost.decodeTokensPerSecond);
  const pieceCount = pieces.thinking.length + pieces.content.length;
  const evalTokens = pieceCount + (toolCalls ? toolCallTokens : 0);
  const promptEnd = startedAt + prefillMs + extraMs;
  const finishedAt = promptEnd + evalTokens * tokenMs;
  const reported = reportedCount(cost.promptEvalCountMode, promptTokens, acquired);
  Object.assign(requestCost, {
    startedAt,
    slotWaitMs: startedAt - lease.readyAt,
    queuedMs: requestCost.schedulerWaitMs + (startedAt - lease.readyAt),
    promptTokens,
    cachedTokens: acquired.cached,
    prefilledTokens,
    reportedPromptEvalCount: reported,
    prefillMs,
    slot: acquired.slot.id,
  });
  cost.countPrompt(requestCost);

  const simulatedMetrics: GenerationMetrics = {
    // Ollama's load_duration runs from the request's start to the scheduler's answer: queue plus load.
    loadDuration: Math.max(1, nanos(lease.readyAt - requestCost.arrivedAt)),
    promptEvalCount: reported ?? 0,
    promptEvalDuration: Math.max(1, nanos(prefillMs + extraMs)),
    evalCount: evalTokens,
    evalDuration: evalTokens > 0 ? Math.max(1, nanos(evalTokens * tokenMs)) : 0,
    totalDuration: 0,
  };
  simulatedMetrics.totalDuration = Math.max(
    nanos(finishedAt - requestCost.arrivedAt),
    simulatedMetrics.loadDuration + simulatedMetrics.promptEvalDuration + simulatedMetrics.evalDuration,
  );

  const tokenize = cost.tokenize;
  const onSettle = (written: number, outcome: string) => {
    const done = outcome === "done";
    const thinking = done ? pieces.thinking : pieces.thinking.slice(0, written);
    const content = done ? pieces.content : pieces.content.slice(0, Math.max(0, written - pieces.thinking.length));
    const generated = [...tokenize(thinking.join("")), ...tokenize(content.join(""))];
    if (done && toolCalls) generated.push(...tokenize(JSON.stringify(toolCalls)));
    // The last token sampled is never decoded into the cache unless the model went on to sample EOS
    // (ollamarunner computeBatch: "the last one generated wasn't submitted to Decode").
    if (!done || pieces.doneReason === "length") generated.pop();
    const runner = lease.runner;
    const slotTokens = runner.options.context_shift
      ? appendWithShift(prompt.tokens, generated, runner.numCtx, numKeepOf(options))
      : [...prompt.tokens, ...generated].slice(0, runner.numCtx);
    const decoded = done ? evalTokens : written;
    const endedAt = done ? finishedAt : promptEnd + written * tokenMs;
    lease.release(endedAt, { slot: acquired.slot, tokens: slotTokens });
    cost.clock.reach(endedAt);
    finishCost(requestCost, endedAt);
    requestCost.evalTokens = decoded;
    requestCost.decodeMs = decoded * tokenMs;
    requestCost.timeToFirstTokenMs = (pieceCount > 0 ? promptEnd + tokenMs : finishedAt) - requestCost.arrivedAt;
    cost.totals.evalTokens += decoded;
    cost.totals.decodeMs += decoded * tokenMs;
  };

  const wire =
    endpoint === "chat" ? chatWire(requestedModel) : generateWire(requestedModel, !request.raw, hashText(`${model.name}\n${request.prompt}`));
  const firstWriteAt = pieceCount > 0 ? promptEnd + tokenMs : finishedAt;
  const generation = new Generation(
    {
      thinking: pieces.thinking,
      content: pieces.content,
      toolCalls,
      toolCallTokens,
      failure,
      doneReason: pieces.doneReason,
      intervalMs: tokenMs * cost.timeScale,
      firstTokenLatencyMs: cost.clock.realDelayUntil(firstWriteAt),
      promptEvalCount: reported ?? 0,
      stream: body["stream"] !== false,
      readyAt: performance.now(),
      simulatedMetrics,
      onSettle,
    },
    wire,
    exchange,
    state.generations,
    state.settings.recordTokenTimes,
  );
  generation.start();
}

export interface CostedEmbedding {
  endpoint: "embed" | "embeddings";
  model: CatalogModel;
  options: Record<string, unknown>;
  numCtx: number;
  keepAliveMs: number | undefined;
  /** Tokens of each input, already truncated; empty for an empty request. */
  inputTokens: number[];
}

export interface EmbeddingTimings {
  totalDuration: number;
  loadDuration: number;
}

/**
 * /api/embed and /api/embeddings with costs: the embedding model is a runner of its own
 * (one slot: load() gives embedding models parallel 1), its inputs are evaluated without
 * the prompt cache (LoadCacheSlot with cachePrompt false) at the model's prefill rate.
 * Returns the simulated timings for the reply, or undefined when the answer went out already.
 */
export async function runCostedEmbedding(exchange: Exchange, cost: CostModel, request: CostedEmbedding): Promise<EmbeddingTimings | undefined> {
  const { model } = request;
  const admission = admit(exchange, cost, request.endpoint, model);
  const { requestCost, signal } = admission;
  const lease = await getRunner(exchange, admission, model, request.options, request.numCtx, request.keepAliveMs);
  if (!lease) return undefined;
  const timings = (finishedAt: number): EmbeddingTimings => ({
    totalDuration: Math.max(2, nanos(finishedAt - requestCost.arrivedAt)),
    loadDuration: Math.max(1, nanos(lease.readyAt - requestCost.arrivedAt)),
  });
  const promptTokens = request.inputTokens.reduce((sum, count) => sum + count, 0);
  if (promptTokens === 0) {
    lease.release(lease.readyAt);
    cost.clock.reach(lease.readyAt);
    finishCost(requestCost, lease.readyAt);
    return timings(lease.readyAt);
  }
  let acquired;
  try {
    acquired = await lease.acquireSlot([], false, signal);
  } catch (error) {
    if (!(error instanceof RequestGoneError)) throw error;
    lease.release(lease.readyAt);
    exchange.record.outcome = "aborted";
    finishCost(requestCost, lease.readyAt);
    return undefined;
  }
  const startedAt = acquired.startedAt;
  const prefillMs = promptTokens * millisPerToken(cost.modelCost(model).prefillTokensPerSecond);
  const finishedAt = startedAt + prefillMs;
  Object.assign(requestCost, {
    startedAt,
    slotWaitMs: startedAt - lease.readyAt,
    queuedMs: requestCost.schedulerWaitMs + (startedAt - lease.readyAt),
    promptTokens,
    prefilledTokens: promptTokens,
    reportedPromptEvalCount: promptTokens,
    prefillMs,
    slot: acquired.slot.id,
  });
  cost.countPrompt(requestCost);
  await cost.sleep(cost.clock.realDelayUntil(finishedAt));
  lease.release(finishedAt, { slot: acquired.slot, tokens: [] });
  cost.clock.reach(finishedAt);
  finishCost(requestCost, finishedAt);
  requestCost.timeToFirstTokenMs = requestCost.totalMs;
  return timings(finishedAt);
}
