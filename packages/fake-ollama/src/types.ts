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
  /** Stops every generation, drops open connections, closes the server. */
  close(): Promise<void>;
}
