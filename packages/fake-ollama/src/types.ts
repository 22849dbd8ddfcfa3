/** A model the fake server pretends to have pulled. */
export interface FakeModel {
  /** `llama3.2` or `llama3.2:3b`; a name without a tag means `:latest`. */
  name: string;
  /** GGUF architecture, also `details.family`: `llama`, `qwen3`, `nomic-bert`. Default `llama`. */
  family?: string;
  /** Trained context (`<family>.context_length` in `/api/show`). Default 8192. */
  contextLength?: number;
  /** `details.parameter_size`, e.g. `3.2B`. Default `7B`. */
  parameterSize?: string;
  /** `details.quantization_level`, e.g. `Q4_K_M`. Default `Q4_K_M`. */
  quantization?: string;
  /** `completion`, `tools`, `thinking`, `vision`, `embedding`. Default `["completion"]`. */
  capabilities?: string[];
  /** `PARAMETER num_ctx` in the Modelfile: the context used when a request sends none. */
  defaultNumCtx?: number;
  /** Dimension of the vectors `/api/embed` returns. Default 768. */
  embeddingLength?: number;
}

export type Failure =
  /** Answer with a non-2xx status and `{"error": message}` before any token. */
  | { kind: "http-error"; status: number; message: string }
  /** Send `{"error": message}` as a stream line after `afterTokens` tokens, then end. */
  | { kind: "error-line"; afterTokens: number; message: string }
  /** Destroy the socket after `afterTokens` tokens: no done line. */
  | { kind: "reset"; afterTokens: number }
  /** Stop sending after `afterTokens` tokens and keep the connection open. */
  | { kind: "hang"; afterTokens: number };

export interface ScriptedToolCall {
  name: string;
  arguments: Record<string, unknown>;
}

/** What the model "says" for one request. Anything left out falls back to the defaults. */
export interface ChatScript {
  /** Reply text, split into word pieces like the default tokenizer. */
  text?: string;
  /** Exact stream pieces, one per line; wins over `text`. */
  tokens?: string[];
  /** Streamed as `message.thinking` before the content, unless the request sends `think: false`. */
  thinking?: string;
  /** Sent as one `message.tool_calls` line after the content (chat only). */
  toolCalls?: ScriptedToolCall[];
  failure?: Failure;
  tokensPerSecond?: number;
  firstTokenLatencyMs?: number;
}

export interface ChatMessage {
  role: string;
  content: string;
  thinking?: string;
  images?: string[];
  tool_calls?: unknown[];
  tool_name?: string;
}

/** What the reply hook sees of a chat or generate request. */
export interface ChatRequestInfo {
  endpoint: "chat" | "generate";
  /** The model name as the client sent it. */
  model: string;
  /** For generate: the system prompt and the prompt as two messages. */
  messages: ChatMessage[];
  lastUserMessage: string;
  options: Record<string, unknown>;
  format: unknown;
  think: boolean | string | undefined;
  tools: unknown[];
  promptEvalCount: number;
  numCtx: number;
  truncated: boolean;
}

export type GenerationOutcome = "running" | "done" | "error-line" | "reset" | "hang" | "aborted";

export interface RecordedRequest {
  method: string;
  path: string;
  /** Parsed JSON body; undefined for bodiless or unparsable requests. */
  body: unknown;
  /** Status line sent, 0 while nothing has been sent yet. */
  status: number;
  /** `performance.now()` when the request arrived. */
  receivedAt: number;
  /** Resolved `name:tag` for requests that named a known model. */
  model?: string;
  /** Chat and generate: the prompt as Ollama would have counted it after truncation. */
  promptEvalCount?: number;
  /** The context window that applied (request, else Modelfile, else server default, capped by the trained context). */
  numCtx?: number;
  truncated?: boolean;
  evalCount?: number;
  doneReason?: string;
  outcome?: GenerationOutcome;
  /** `performance.now()` of each token write, when `recordTokenTimes` is on. */
  tokenTimes?: number[];
  /** With the `cost` option: what this request cost in simulated time and tokens. */
  cost?: RequestCost;
}

export interface EndpointCounts {
  chat: number;
  generate: number;
  embed: number;
  embeddings: number;
  show: number;
  tags: number;
  ps: number;
  version: number;
}

export interface FakeOllamaOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** Default: `llama3.2` and `nomic-embed-text`. */
  models?: FakeModel[];
  /** 0 or Infinity: as fast as possible (the default). */
  tokensPerSecond?: number;
  /** Delay before the first token line. Default 0. */
  firstTokenLatencyMs?: number;
  /** Tokens in a reply nobody scripted. Default 24. */
  replyTokens?: number;
  /** Called when no queued script is waiting; return undefined for the default reply. */
  reply?: (request: ChatRequestInfo) => ChatScript | undefined;
  /** Token counter for prompts and embeddings. Default: one token per word and per punctuation mark. */
  countTokens?: (text: string) => number;
  /** Server context when neither the request nor the Modelfile sets `num_ctx`. Default 4096, like Ollama on a small GPU. */
  defaultNumCtx?: number;
  /** Reported by `/api/version`. */
  version?: string;
  /** Keep every request in `requests`. Default true; long benchmarks may turn it off. */
  recordRequests?: boolean;
  /** Record `performance.now()` of each token write per request. */
  recordTokenTimes?: boolean;
  /**
   * Model what Ollama charges: runners that load and reload, keep_alive, a cap on loaded
   * models, `numParallel` slots with a prompt (KV) cache, a FIFO wait for slots and the 503
   * past `maxQueue`. Absent (the default): no costs, unlimited concurrent streams, as before.
   */
  cost?: FakeCostOptions;
  /**
   * Answer as a Llama Guard 3 model: chat and generate requests to `guard.model` get `safe` or
   * `unsafe\nS<n>[,S<m>]` about the last message (a queued script still wins). `true` uses the
   * defaults. The model is added to `models` when they do not list it, and is a runner of its own.
   */
  guard?: FakeGuardOptions | boolean;
}

export interface FakeGuardOptions {
  /** Default `llama-guard3` (`:latest`), listed as Llama Guard 3 8B unless `models` already has it. */
  model?: string;
  /**
   * The categories the judged text violates (`"S1"`, `["S1", "S10"]`), or null when it is safe.
   * The judged text is the last message; `role` is `assistant` when it is a reply.
   * Default: a marker `unsafe-S<n>` in the text (`unsafe-S1`, `unsafe S10`), case-insensitive.
   */
  unsafe?: (text: string, role: "user" | "assistant") => string | readonly string[] | null | undefined;
}

/**
 * What `prompt_eval_count` reports when part of the prompt came from the KV cache:
 * - `"whole"`: the whole (truncated) templated prompt. Ollama 0.2.0 up to 0.30 (the Go runners'
 *   `numPromptInputs`) and again from 0.30.1 (`cache_n + prompt_n` from llama-server).
 * - `"prefilled"`: only the tokens evaluated for this request, at least one. Ollama 0.30.0,
 *   the first llama-server release, which passed llama-server's `prompt_n` through.
 * - `"omit-when-cached"`: Ollama up to 0.1.48 (llama.cpp's server.cpp in `llm/ext_server`):
 *   prompt tokens minus the common prefix with the slot, computed before the one token that
 *   is always re-evaluated, so a fully cached prompt counts 0 and `omitempty` drops the field.
 */
export type PromptEvalCountMode = "whole" | "prefilled" | "omit-when-cached";

/** Per-model costs; every field falls back to the top-level `cost` value. */
export interface ModelCost {
  /** Simulated time to start a runner and load the weights. Default 0. */
  loadMs?: number;
  /** Prompt processing speed. 0 or Infinity: free (the default). */
  prefillTokensPerSecond?: number;
  /** Generation speed. Default: the `tokensPerSecond` option; 0 or Infinity: free. */
  decodeTokensPerSecond?: number;
}

export interface FakeCostOptions extends ModelCost {
  /** OLLAMA_NUM_PARALLEL: slots (parallel requests) per runner. Default 1. Embedding models always get 1. */
  numParallel?: number;
  /** OLLAMA_MAX_LOADED_MODELS: loaded runners at most. Default 3 (Ollama's 3 per GPU, or 3 on CPU). */
  maxLoadedModels?: number;
  /** OLLAMA_MAX_QUEUE: requests waiting for a model load at most before the 503. Default 512. */
  maxQueue?: number;
  /** OLLAMA_KEEP_ALIVE: how long an idle runner stays loaded when requests send no keep_alive. Default "5m". */
  keepAlive?: number | string;
  /** OLLAMA_MULTIUSER_CACHE: choose slots with findBestCacheSlot (LRU eviction, prefix forking) instead of findLongestCacheSlot. Default false. */
  multiUserCache?: boolean;
  /** Default "whole", as current Ollama reports it. */
  promptEvalCountMode?: PromptEvalCountMode;
  /**
   * Turns text into token ids (non-negative integers) for the prompt cache and prompt counts.
   * Default: the package tokenizer (one token per word or punctuation mark) with stable ids.
   */
  tokenize?: (text: string) => number[];
  /** Real milliseconds slept per simulated millisecond: 1 sleeps every cost for real, 0 never sleeps (accounting only). Default 1. */
  timeScale?: number;
  /** Costs per model, keyed by model name (`llama3.2` means `llama3.2:latest`). */
  models?: Record<string, ModelCost>;
}

/** What one chat, generate or embed request cost. Times are simulated milliseconds on `fake.simulatedNow()`'s clock. */
export interface RequestCost {
  endpoint: "chat" | "generate" | "embed" | "embeddings";
  /** Resolved `name:tag`. */
  model: string;
  arrivedAt: number;
  /** When its slot started prefilling (when the runner was ready, for a load-only request). */
  startedAt: number;
  /** When the reply ended: the done line, or the last token written before a failure or an abort. */
  finishedAt: number;
  /** This request loaded its model (cold start or reload). */
  loaded: boolean;
  /** This request replaced a loaded runner of the same model because its runner options differed. */
  reloaded: boolean;
  loadMs: number;
  /** Waiting behind other loads and unloads in the scheduler. */
  schedulerWaitMs: number;
  /** Waiting for a free slot on a loaded runner. */
  slotWaitMs: number;
  /** schedulerWaitMs + slotWaitMs. */
  queuedMs: number;
  /** The templated prompt after truncation. */
  promptTokens: number;
  /** Prompt tokens reused from the slot's KV cache. */
  cachedTokens: number;
  /** Prompt tokens evaluated: promptTokens - cachedTokens, at least 1. */
  prefilledTokens: number;
  /** What the done line said, undefined when the field was left out. */
  reportedPromptEvalCount: number | undefined;
  prefillMs: number;
  /** Tokens generated (pieces plus tool-call tokens). */
  evalTokens: number;
  decodeMs: number;
  /** From arrival to the first token (to the end when nothing was generated). */
  timeToFirstTokenMs: number;
  /** From arrival to finishedAt. */
  totalMs: number;
  /** The slot used, -1 for none (load-only requests, or still waiting). */
  slot: number;
}

/** Running totals since start or `reset()`; `records` is kept unless `recordRequests` is false. */
export interface FakeCosts {
  /** Chat, generate and embed requests admitted to the scheduler (503s not included). */
  requests: number;
  /** Every runner load: first loads and reloads. */
  loads: number;
  /** Loads that replaced a loaded runner of the same model with different runner options. */
  reloads: number;
  /** Runners unloaded to stay within maxLoadedModels. */
  evictions: number;
  /** Runners unloaded because keep_alive ran out (or was 0). */
  expirations: number;
  /** Requests answered 503 because maxQueue requests were already waiting. */
  rejected: number;
  /** Requests that waited (simulated) for the scheduler or a slot. */
  queueWaits: number;
  queuedMs: number;
  promptTokens: number;
  cachedTokens: number;
  prefilledTokens: number;
  evalTokens: number;
  loadMs: number;
  prefillMs: number;
  decodeMs: number;
  records: RequestCost[];
}

export interface SlotSnapshot {
  id: number;
  /** Tokens held in this slot's KV cache. */
  tokens: number;
  inUse: boolean;
}

export interface RunnerSnapshot {
  model: string;
  /** The runner options it was loaded with (num_ctx, num_batch, num_gpu, ...). */
  options: Record<string, unknown>;
  numCtx: number;
  numParallel: number;
  /** Requests holding the runner (waiting for a slot or generating). */
  refCount: number;
  /** Requests waiting for a slot. */
  waiting: number;
  /** Simulated ms when it expires; Infinity while busy or for a negative keep_alive. */
  expiresAt: number;
  slots: SlotSnapshot[];
}

export interface FakeOllama {
  /** e.g. `http://127.0.0.1:34567`, ready for `new Ollama({ host: url })`. */
  readonly url: string;
  readonly port: number;
  /** Every request received since start or the last `reset()`. */
  readonly requests: RecordedRequest[];
  readonly counts: EndpointCounts;
  /** The next chat or generate request (FIFO) uses this script before the reply hook is asked. */
  queueScript(script: ChatScript): void;
  setModels(models: FakeModel[]): void;
  /** Back to the state right after start: the configured models, no scripts, records, counts or loaded models. */
  reset(): void;
  /** Generations in flight, hanging ones included. */
  activeStreams(): number;
  /** With the `cost` option: totals and per-request costs since start or `reset()`; zeros without it. */
  readonly costs: FakeCosts;
  /** With the `cost` option: the simulated clock in milliseconds (0 at start and after `reset()`). */
  simulatedNow(): number;
  /** With the `cost` option: moves the simulated clock forward, e.g. a user's think time, so keep_alive can run out without waiting. */
  advanceClock(milliseconds: number): void;
  /**
   * With the `cost` option: until the returned function is called, every request that arrives
   * is stamped with the same simulated time, as if sent together. Needed with timeScale 0,
   * where the server answers each request before it reads the next one.
   */
  holdClock(): () => void;
  /** With the `cost` option: the loaded runners and their slots; [] without it. */
  loadedRunners(): RunnerSnapshot[];
  /** Stops every generation, drops open connections, closes the server. */
  close(): Promise<void>;
}
