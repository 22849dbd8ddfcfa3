import http from "node:http";
import https from "node:https";
import { Ollama } from "ollama";
import { parseDoneReason, type DoneReason } from "@recall/schema";
import { LlmAbortedError, LlmError } from "./errors.ts";
import { OllamaConnectionError, postNdjson } from "./ndjson-request.ts";

export interface LlmChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export type LlmChunk =
  | { type: "delta"; text: string }
  | {
      type: "done";
      doneReason: DoneReason | null;
      promptTokens: number | null;
      completionTokens: number | null;
      totalDurationNs: number | null;
      evalDurationNs: number | null;
    };

export interface StreamChatRequest {
  model: string;
  messages: LlmChatMessage[];
  /** Sent as `options.num_ctx` so Ollama never truncates the prompt silently. */
  numCtx?: number;
  signal: AbortSignal;
  /**
   * What keeps calls on one host (a pool's prefix-cache affinity): the chat's id, so its next
   * turn goes where the previous one left its KV cache. One host ignores it.
   */
  affinityKey?: string;
  /**
   * A pool starts the call on this host (one of its URLs): the caller holds a slot there, counted
   * across instances (`OllamaPool.candidateHosts`). Failover still moves on if that host fails. One host ignores it.
   */
  host?: string;
}

export interface LlmModel {
  name: string;
  family: string | null;
  parameterSize: string | null;
  quantization: string | null;
  sizeBytes: number | null;
}

export interface LlmModelDetails {
  /** The model's trained context length (`<architecture>.context_length`), when Ollama reports it. */
  contextLength: number | null;
  /** `details.family`, e.g. `llama`: picks the tokenizer. */
  family: string | null;
  capabilities: string[];
}

export interface LlmClientOptions {
  host: string;
  /** No chunk for this long (first token included) fails the call with MODEL_TIMEOUT. */
  idleTimeoutMs?: number;
  /** For requests that are not streams (tags, show). */
  requestTimeoutMs?: number;
}

export interface CompleteChatRequest {
  model: string;
  messages: LlmChatMessage[];
  numCtx?: number;
  /** Cap on generated tokens (`num_predict`). */
  maxTokens?: number;
  /** Structured output: a JSON schema the reply must follow. */
  format?: Record<string, unknown>;
  signal?: AbortSignal;
}

export interface CompleteChatResult {
  text: string;
  promptTokens: number | null;
  completionTokens: number | null;
  doneReason: DoneReason | null;
}

/** A model Ollama holds in memory (`/api/ps`), with the context it was loaded with. */
export interface LlmLoadedModel {
  /** As Ollama names it: `llama3.2:latest`. */
  name: string;
  /** The `num_ctx` the runner was started with; null from Ollama versions that do not report it. */
  contextLength: number | null;
  /** When Ollama unloads it unless it is used again. */
  expiresAt: string | null;
  /** The Ollama holding it, from a pool of several; absent from a single host. */
  host?: string;
}

export interface LlmClient {
  readonly host: string;
  streamChat(request: StreamChatRequest): AsyncGenerator<LlmChunk>;
  /** One whole reply, not streamed: for background work such as summaries. */
  completeChat(request: CompleteChatRequest): Promise<CompleteChatResult>;
  /** Vectors for texts from an embedding model (`/api/embed`), in input order. */
  embed(model: string, inputs: string[], signal?: AbortSignal): Promise<number[][]>;
  listModels(): Promise<LlmModel[]>;
  showModel(model: string): Promise<LlmModelDetails>;
  /** The models loaded right now (`/api/ps`). */
  loadedModels(signal?: AbortSignal): Promise<LlmLoadedModel[]>;
}

/**
 * The adapter over Ollama's HTTP API. Streamed chats go over node:http (`ndjson-request.ts`:
 * a line per token is the hot path); everything else through the `ollama` npm client, a
 * client instance per call: `Ollama#abort()` aborts every call of an instance.
 */
export function createOllamaClient(options: LlmClientOptions): LlmClient {
  const host = options.host.replace(/\/+$/, "");
  /** The host as messages name it: a URL's user and password never reach a person or a log. */
  const shownHost = withoutCredentials(host);
  const idleTimeoutMs = options.idleTimeoutMs ?? 120_000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;

  function clientWithSignal(signal: AbortSignal): Ollama {
    return new Ollama({
      host,
      // The client only passes its own signal once the response has started; ours must
      // also cover connecting and waiting for headers.
      fetch: (input, init) => fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal }),
    });
  }

  const chatUrl = new URL(`${host}/api/chat`);
  // Streams go over node:http (`ndjson-request.ts`); connections are kept for the next reply.
  const streamAgent = chatUrl.protocol === "https:" ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });

  async function* streamChat(request: StreamChatRequest): AsyncGenerator<LlmChunk> {
    if (request.signal.aborted) throw new LlmAbortedError();
    const idle = new AbortController();
    const combined = AbortSignal.any([request.signal, idle.signal]);
    // One lazy timer instead of re-arming one per token: when it fires, it re-arms
    // for the time left since the last chunk, or gives up.
    let lastChunkAt = performance.now();
    const checkIdle = (): void => {
      const idleFor = performance.now() - lastChunkAt;
      if (idleFor >= idleTimeoutMs) idle.abort();
      else idleTimer = setTimeout(checkIdle, idleTimeoutMs - idleFor);
    };
    let idleTimer = setTimeout(checkIdle, idleTimeoutMs);
    const body = JSON.stringify({
      model: request.model,
      messages: request.messages,
      stream: true,
      ...(request.numCtx ? { options: { num_ctx: request.numCtx } } : {}),
    });
    let lines = postNdjson(chatUrl, body, combined, streamAgent);
    try {
      let step: IteratorResult<Record<string, unknown>>;
      try {
        step = await lines.next();
      } catch (error) {
        // A kept-alive connection closed just as it was reused: nothing was generated, one retry.
        if (!(error instanceof OllamaConnectionError && error.resetBeforeAnswer)) throw error;
        lines = postNdjson(chatUrl, body, combined, streamAgent);
        step = await lines.next();
      }
      let finished = false;
      for (; !step.done; step = await lines.next()) {
        const part = step.value;
        lastChunkAt = performance.now();
        // Read on to the response's end after `done`, so its connection is kept for the next call.
        if (finished) continue;
        if (typeof part.error === "string") throw new Error(part.error);
        if (part.done === true) {
          finished = true;
          yield {
            type: "done",
            doneReason: parseDoneReason(part.done_reason),
            promptTokens: numberOrNull(part.prompt_eval_count),
            completionTokens: numberOrNull(part.eval_count),
            totalDurationNs: numberOrNull(part.total_duration),
            evalDurationNs: numberOrNull(part.eval_duration),
          };
          continue;
        }
        const text = (part.message as { content?: unknown } | undefined)?.content;
        if (typeof text === "string" && text.length > 0) yield { type: "delta", text };
      }
      if (finished) return;
      throw new Error("Did not receive done or success response in stream.");
    } catch (error) {
      if (request.signal.aborted) throw new LlmAbortedError();
      if (idle.signal.aborted) {
        throw new LlmError("MODEL_TIMEOUT", `The model sent nothing for ${Math.round(idleTimeoutMs / 1000)} s, so Recall stopped waiting. Check that Ollama is healthy, then try again.`, { cause: error });
      }
      throw toLlmError(error, shownHost, request.model);
    } finally {
      clearTimeout(idleTimer);
      await lines.return(undefined);
    }
  }

  async function withTimeout<T>(run: (ollama: Ollama) => Promise<T>, callerSignal?: AbortSignal): Promise<T> {
    const timeout = AbortSignal.timeout(requestTimeoutMs);
    const signal = callerSignal ? AbortSignal.any([callerSignal, timeout]) : timeout;
    try {
      return await run(clientWithSignal(signal));
    } catch (error) {
      if (callerSignal?.aborted) throw new LlmAbortedError();
      if (timeout.aborted) throw new LlmError("OLLAMA_UNREACHABLE", `Ollama at ${shownHost} did not answer within ${requestTimeoutMs / 1000} s.`, { cause: error });
      throw toLlmError(error, shownHost, null);
    }
  }

  async function completeChat(request: CompleteChatRequest): Promise<CompleteChatResult> {
    const signal = request.signal ? AbortSignal.any([request.signal, AbortSignal.timeout(idleTimeoutMs)]) : AbortSignal.timeout(idleTimeoutMs);
    const options: Record<string, number> = {};
    if (request.numCtx) options.num_ctx = request.numCtx;
    if (request.maxTokens) options.num_predict = request.maxTokens;
    try {
      const response = await startWithOneRetry(() =>
        clientWithSignal(signal).chat({
          model: request.model,
          messages: request.messages,
          stream: false,
          ...(Object.keys(options).length > 0 ? { options } : {}),
          ...(request.format ? { format: request.format } : {}),
        }),
      );
      return {
        text: response.message?.content ?? "",
        promptTokens: numberOrNull(response.prompt_eval_count),
        completionTokens: numberOrNull(response.eval_count),
        doneReason: parseDoneReason(response.done_reason),
      };
    } catch (error) {
      if (request.signal?.aborted) throw new LlmAbortedError();
      if (signal.aborted) throw new LlmError("MODEL_TIMEOUT", `The model did not answer within ${Math.round(idleTimeoutMs / 1000)} s.`, { cause: error });
      throw toLlmError(error, shownHost, request.model);
    }
  }

  async function embed(model: string, inputs: string[], signal?: AbortSignal): Promise<number[][]> {
    if (inputs.length === 0) return [];
    const timeout = AbortSignal.timeout(requestTimeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      const response = await clientWithSignal(combined).embed({ model, input: inputs });
      return response.embeddings;
    } catch (error) {
      if (signal?.aborted) throw new LlmAbortedError();
      if (timeout.aborted) throw new LlmError("MODEL_TIMEOUT", `The embedding model did not answer within ${requestTimeoutMs / 1000} s.`, { cause: error });
      throw toLlmError(error, shownHost, model);
    }
  }

  return {
    host,
    streamChat,
    completeChat,
    embed,
    async listModels() {
      const response = await withTimeout((ollama) => ollama.list());
      return response.models.map((model) => ({
        name: model.name,
        family: model.details?.family || null,
        parameterSize: model.details?.parameter_size || null,
        quantization: model.details?.quantization_level || null,
        sizeBytes: numberOrNull(model.size),
      }));
    },
    async showModel(model) {
      const response = await withTimeout((ollama) => ollama.show({ model }));
      return { contextLength: contextLengthOf(response.model_info), family: response.details?.family || null, capabilities: response.capabilities ?? [] };
    },
    async loadedModels(signal) {
      const response = await withTimeout((ollama) => ollama.ps(), signal);
      // `context_length` is newer than the npm client's types.
      return response.models.map((model) => ({
        name: model.name,
        contextLength: numberOrNull((model as { context_length?: unknown }).context_length),
        expiresAt: model.expires_at ? String(model.expires_at) : null,
      }));
    },
  };
}

/**
 * A kept-alive connection that the other side (or a proxy) closed just as we reused
 * it fails before any response: nothing was generated, so one retry is safe.
 */
async function startWithOneRetry<T>(start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    if (!isStaleConnectionError(error)) throw error;
    return start();
  }
}

function isStaleConnectionError(error: unknown): boolean {
  const code = error instanceof TypeError ? (error.cause as { code?: unknown } | undefined)?.code : undefined;
  return code === "UND_ERR_SOCKET" || code === "ECONNRESET" || code === "UND_ERR_CLOSED";
}

function numberOrNull(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function contextLengthOf(modelInfo: unknown): number | null {
  if (!modelInfo || typeof modelInfo !== "object") return null;
  const info = modelInfo instanceof Map ? Object.fromEntries(modelInfo) : (modelInfo as Record<string, unknown>);
  const architecture = info["general.architecture"];
  if (typeof architecture === "string") {
    const length = info[`${architecture}.context_length`];
    if (typeof length === "number") return length;
  }
  for (const [key, value] of Object.entries(info)) {
    if (key.endsWith(".context_length") && typeof value === "number") return value;
  }
  return null;
}

/** Maps what the npm client throws (fetch failures, ResponseError, stream error lines) to typed errors. */
/** A host URL without its user and password, for messages and logs. */
export function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.username && !parsed.password) return url;
    parsed.username = "";
    parsed.password = "";
    return parsed.toString().replace(/\/+$/, "");
  } catch {
    return url;
  }
}

export function toLlmError(error: unknown, host: string, model: string | null): LlmError {
  if (error instanceof LlmError) return error;
  if (error instanceof OllamaConnectionError && !error.resetBeforeAnswer) {
    return new LlmError("OLLAMA_UNREACHABLE", `Cannot reach Ollama at ${host}. Start it with \`ollama serve\` (or set OLLAMA_URL), then try again.`, { cause: error });
  }
  const status = typeof error === "object" && error !== null && "status_code" in error ? Number(error.status_code) : null;
  const message = error instanceof Error ? error.message : String(error);
  if (status === 404 && model !== null) {
    return new LlmError("MODEL_NOT_FOUND", `The model "${model}" is not installed in Ollama. Run \`ollama pull ${model}\` or pick another model.`, { cause: error });
  }
  if (status !== null) {
    return new LlmError("MODEL_ERROR", `Ollama answered ${status}: ${message}`, { cause: error });
  }
  if (isStaleConnectionError(error)) {
    return new LlmError("STREAM_BROKEN", "The connection to Ollama broke before the reply finished. The partial reply was kept; try again.", { cause: error });
  }
  if (error instanceof TypeError && /fetch failed/i.test(message)) {
    return new LlmError("OLLAMA_UNREACHABLE", `Cannot reach Ollama at ${host}. Start it with \`ollama serve\` (or set OLLAMA_URL), then try again.`, { cause: error });
  }
  if (/Did not receive done/i.test(message) || /terminated|socket|ECONNRESET|other side closed/i.test(message)) {
    return new LlmError("STREAM_BROKEN", "The connection to Ollama broke before the reply finished. The partial reply was kept; try again.", { cause: error });
  }
  return new LlmError("MODEL_ERROR", `The model failed: ${message}`, { cause: error });
}
