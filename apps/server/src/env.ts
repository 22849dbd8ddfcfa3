import { resolve } from "node:path";
import { z } from "zod";
import { defaultLimitSettings as limitDefaults, type LimitSettings } from "./limits/limit-settings.ts";

/** The one place that reads process.env. Every default works with no services at all. */
const booleanFlag = z
  .enum(["1", "0", "true", "false", "yes", "no", ""])
  .optional()
  .transform((value) => value === "1" || value === "true" || value === "yes");

/** One Ollama base URL, or several separated by commas (a pool of hosts). */
function ollamaUrlList(name: string) {
  return z
    .string()
    .transform((value) => value.split(",").map((url) => url.trim()).filter(Boolean))
    .refine((urls) => urls.length > 0 && urls.every((url) => /^https?:\/\//.test(url) && URL.canParse(url)), {
      message: `${name} must be a URL such as http://127.0.0.1:11434, or several separated by commas`,
    });
}

const environmentSchema = z.object({
  HOST: z.string().default("127.0.0.1"),
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  RECALL_DATA_DIR: z.string().optional(),
  DATABASE_URL: z.string().optional(),
  OLLAMA_URL: ollamaUrlList("OLLAMA_URL").default(["http://127.0.0.1:11434"]),
  OLLAMA_URLS: ollamaUrlList("OLLAMA_URLS").optional(),
  OLLAMA_NUM_PARALLEL: z.coerce.number().int().min(1).max(1024).optional(),
  RECALL_OLLAMA_HEALTH_INTERVAL_MS: z.coerce.number().int().min(100).max(600_000).default(5000),
  RECALL_DEFAULT_MODEL: z.string().min(1).default("llama3.2"),
  RECALL_DEMO_FAKE_OLLAMA: booleanFlag,
  RECALL_SECRET: z.string().min(32, "RECALL_SECRET must be at least 32 characters").optional(),
  RECALL_SYSTEM_PROMPT: z.string().optional(),
  RECALL_BUFFER_MESSAGES: z.coerce.number().int().min(2).max(200).default(10),
  RECALL_MAX_CONTEXT_TOKENS: z.coerce.number().int().min(512).max(1_048_576).default(2000),
  RECALL_ANSWER_RESERVE_TOKENS: z.coerce.number().int().min(64).max(65_536).default(512),
  RECALL_RECALL_LIMIT: z.coerce.number().int().min(0).max(200).default(64),
  RECALL_RECALL_ACROSS_CHATS: z.enum(["1", "0", "true", "false"]).default("1").transform((value) => value === "1" || value === "true"),
  RECALL_RECALL_CACHED_USERS: z.coerce.number().int().min(1).default(2000),
  RECALL_SUMMARY_EVERY_MESSAGES: z.coerce.number().int().min(2).max(500).default(20),
  RECALL_SUMMARY_DUE_SHARE: z.coerce.number().min(0).max(1).default(0.9),
  RECALL_SUMMARY_FIRST_AFTER_MESSAGES: z.coerce.number().int().min(1).max(500).default(20),
  RECALL_SUMMARY_MODEL: z.string().min(1).optional(),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, "REDIS_URL must look like redis://host:6379").optional(),
  RECALL_REDIS_DB: z.coerce.number().int().min(0).max(15).default(0),
  // Background jobs (jobs/README.md)
  RECALL_JOBS: z.enum(["in-process", "queue"], { message: "RECALL_JOBS is in-process (the default) or queue (BullMQ on REDIS_URL, run by pnpm start:worker)" }).default("in-process"),
  RECALL_JOBS_PREFIX: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "RECALL_JOBS_PREFIX is letters, digits, '.', '_' or '-'").default("recall-jobs"),
  RECALL_JOBS_LOCK_MS: z.coerce.number().int().min(500).max(600_000).default(30_000),
  RECALL_JOBS_STALLED_CHECK_MS: z.coerce.number().int().min(200).max(600_000).default(30_000),
  RECALL_JOBS_RETRY_DELAY_MS: z.coerce.number().int().min(0).max(600_000).default(5_000),
  RECALL_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  RECALL_WORKER_HEALTH_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
  RECALL_EVENT_LOG: z.enum(["memory", "redis"]).default("memory"),
  RECALL_REPLY_LEASE_MS: z.coerce.number().int().min(1000).max(600_000).default(10_000),
  RECALL_SHARED_SLOTS: z.enum(["on", "off"], { message: "RECALL_SHARED_SLOTS is on or off (default: on with RECALL_EVENT_LOG=redis)" }).optional(),
  RECALL_CACHE_TTL_SECONDS: z.coerce.number().int().min(1).default(3600),
  RECALL_CACHE_ENTRIES: z.coerce.number().int().min(100).default(10_000),
  // Encryption at rest
  RECALL_ENCRYPTION_KEYS: z.string().optional(),
  RECALL_ENCRYPTION_KEYS_FILE: z.string().optional(),
  RECALL_ENCRYPTION_LEGACY_PLAINTEXT: z.enum(["accept", "reject"]).default("accept"),
  RECALL_EMBEDDING_MODEL: z.string().min(1).optional(),
  RECALL_EMBEDDING_TIMEOUT_MS: z.coerce.number().int().min(10).max(10_000).default(300),
  RECALL_EPHEMERAL_IDLE_MINUTES: z.coerce.number().min(0.01).max(10_080).default(30),
  RECALL_EPISODE_IDLE_MINUTES: z.coerce.number().min(0.01).max(10_080).default(30),
  RECALL_EPISODES_IN_CONTEXT: z.coerce.number().int().min(0).max(10).default(3),
  RECALL_EPISODE_MIN_MESSAGES: z.coerce.number().int().min(2).max(1000).default(10),
  RECALL_CHECKPOINT_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  RECALL_STREAM_FRAME_MS: z.coerce.number().int().min(0).max(1000).default(0),
  RECALL_ABANDON_AFTER_MS: z.coerce.number().int().min(1000).default(120_000),
  RECALL_OLLAMA_IDLE_TIMEOUT_MS: z.coerce.number().int().min(1000).default(300_000),
  RECALL_WEB_DIST: z.string().optional(),
  RECALL_IMAGE_ORIGINS: z
    .string()
    .default("")
    .transform((value) => value.split(",").map((origin) => origin.trim()).filter(Boolean))
    .refine((origins) => origins.every(isHttpOrigin), {
      message: "RECALL_IMAGE_ORIGINS is a comma-separated list of origins such as https://images.example.com (scheme and host, no path)",
    }),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  // Limits (a count of 0 turns that limit off)
  RECALL_LIMIT_MESSAGES_PER_SECOND: z.coerce.number().int().min(0).default(limitDefaults.messagesPerSecond.max),
  RECALL_LIMIT_MESSAGES_PER_MINUTE: z.coerce.number().int().min(0).default(limitDefaults.messagesPerMinute.max),
  RECALL_LIMIT_GENERATIONS_PER_USER: z.coerce.number().int().min(0).default(limitDefaults.generationsPerUser),
  RECALL_LIMIT_GENERATIONS_PER_SERVER: z.coerce.number().int().min(0).default(limitDefaults.generationsPerServer),
  RECALL_LIMIT_GENERATION_QUEUE: z.coerce.number().int().min(0).default(limitDefaults.generationQueue),
  RECALL_LIMIT_MESSAGE_CHARS: z.coerce.number().int().min(1).max(limitDefaults.messageMaxChars).default(limitDefaults.messageMaxChars),
  RECALL_LIMIT_STORED_CHARS_PER_USER: z.coerce.number().int().min(0).default(limitDefaults.storedCharsPerUser),
  RECALL_LIMIT_CHATS_PER_USER: z.coerce.number().int().min(0).default(limitDefaults.chatsPerUser),
  RECALL_LIMIT_TEMPORARY_CHATS_PER_USER: z.coerce.number().int().min(0).default(limitDefaults.temporaryChatsPerUser),
  RECALL_LIMIT_TEMPORARY_CHARS_PER_USER: z.coerce.number().int().min(0).default(limitDefaults.temporaryCharsPerUser),
  RECALL_LIMIT_USERS_PER_ADDRESS_PER_HOUR: z.coerce.number().int().min(0).default(limitDefaults.usersPerAddress.max),
  RECALL_LIMIT_LOGIN_ATTEMPTS: z.coerce.number().int().min(0).default(limitDefaults.loginAttempts.max),
  RECALL_LIMIT_LOGIN_WINDOW_MINUTES: z.coerce.number().min(0.1).max(1440).default(limitDefaults.loginAttempts.windowMs / 60_000),
  RECALL_LIMIT_BATCH_SIZE: z.coerce
    .number()
    .int()
    .refine((size) => size === 0 || size >= limitDefaults.batchSize, `RECALL_LIMIT_BATCH_SIZE is 0 (off) or at least ${limitDefaults.batchSize}: the web app batches that many calls`)
    .default(limitDefaults.batchSize),
  RECALL_LIMIT_BODY_BYTES: z.coerce.number().int().min(1024).default(limitDefaults.bodyBytes),
  RECALL_LIMIT_REQUEST_TIMEOUT_SECONDS: z.coerce.number().min(1).max(3600).default(limitDefaults.requestTimeoutMs / 1000),
  RECALL_LIMIT_HEADERS_TIMEOUT_SECONDS: z.coerce.number().min(1).max(3600).default(limitDefaults.headersTimeoutMs / 1000),
  RECALL_LIMIT_CONNECTIONS: z.coerce.number().int().min(0).default(limitDefaults.connections),
  RECALL_LIMIT_CONNECTIONS_PER_ADDRESS: z.coerce.number().int().min(0).default(limitDefaults.connectionsPerAddress),
  // Operations
  RECALL_METRICS_TOKEN: z.string().min(32, "RECALL_METRICS_TOKEN must be at least 32 characters").optional(),
  RECALL_REQUEST_LOG: z.enum(["1", "0", "true", "false"]).default("1").transform((value) => value === "1" || value === "true"),
  RECALL_READINESS_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(2000),
  RECALL_SSE_KEEPALIVE_SECONDS: z.coerce.number().min(0).max(3600).default(8),
  // Moderation
  RECALL_MODERATION_RULES: z.string().min(1).optional(),
  RECALL_MODERATION_MODEL: z.string().min(1).optional(),
  RECALL_MODERATION_FAIL: z.enum(["open", "closed"]).default("closed"),
  RECALL_MODERATION_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  RECALL_MODERATION_NUM_CTX: z.coerce.number().int().min(512).max(131_072).default(4096),
  // Retention (0 keeps forever)
  RECALL_RETAIN_CHATS_DAYS: z.coerce.number().min(0).max(36_500).default(0),
  RECALL_RETAIN_ANONYMOUS_USERS_DAYS: z.coerce.number().min(0).max(36_500).default(0),
  RECALL_RETAIN_EMPTY_USERS_HOURS: z.coerce.number().min(0).max(876_000).default(24),
  RECALL_RETENTION_SWEEP_MINUTES: z.coerce.number().min(0.01).max(10_080).default(60),
  // Documents
  RECALL_DOCUMENT_MAX_MB: z.coerce.number().min(0.01).max(1024).default(20),
  RECALL_DOCUMENT_MAX_PAGES: z.coerce.number().int().min(1).max(100_000).default(500),
  RECALL_DOCUMENT_STORAGE_MB_PER_USER: z.coerce.number().min(0).max(1_000_000).default(200),
  RECALL_DOCUMENTS_PER_USER: z.coerce.number().int().min(0).max(1_000_000).default(500),
  RECALL_DOCUMENTS_PER_CHAT: z.coerce.number().int().min(1).max(10_000).default(20),
  RECALL_DOCUMENT_UPLOADS_PER_MINUTE: z.coerce.number().int().min(0).max(100_000).default(30),
  RECALL_DOCUMENT_PARSE_TIMEOUT_SECONDS: z.coerce.number().min(1).max(3600).default(60),
  RECALL_DOCUMENT_WORKER_MEMORY_MB: z.coerce.number().int().min(32).max(16_384).default(256),
  RECALL_DOCUMENT_WORKERS: z.coerce.number().int().min(1).max(64).default(1),
  RECALL_DOCUMENT_PASSAGES: z.coerce.number().int().min(0).max(20).default(4),
  RECALL_DOCUMENT_SUMMARIES: z.enum(["1", "0", "true", "false"]).default("1").transform((value) => value === "1" || value === "true"),
  // Identity
  RECALL_ADMIN_USERS: z.string().default(""),
  RECALL_TRUST_PROXY: z.string().default(""),
  RECALL_ALLOWED_HOSTS: z.string().optional(),
});

/** `https://host[:port]` and nothing more: what a Content-Security-Policy source and the renderer's allowlist compare. */
function isHttpOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "https:" || url.protocol === "http:") && url.origin === value.replace(/\/$/, "");
  } catch {
    return false;
  }
}

/** "true" (every proxy: only when nothing else can reach the port), a hop count, or addresses/CIDRs such as "127.0.0.1,10.0.0.0/8". */
function parseTrustProxy(value: string): RecallConfig["trustProxy"] {
  const trimmed = value.trim().toLowerCase();
  if (trimmed === "" || trimmed === "false" || trimmed === "0") return false;
  if (trimmed === "true") return true;
  if (/^\d+$/.test(trimmed)) {
    const hops = Number(trimmed);
    return (_address: string, hop: number) => hop < hops;
  }
  return trimmed.split(",").map((entry) => entry.trim()).filter(Boolean);
}

export const defaultSystemPrompt =
  "You are Recall, a helpful assistant running on the user's own machine. Answer clearly and concisely. " +
  "If the context you were given does not answer the question, say so and ask a short follow-up question rather than guessing.";

export interface RecallConfig {
  host: string;
  port: number;
  dataDir: string;
  /** `file:` path for SQLite (the default) or a postgres:// URL. */
  databaseUrl: string;
  ollamaUrl: string;
  /** Several Ollama hosts (`OLLAMA_URLS`, or a comma list in `OLLAMA_URL`) served as one pool; null: `ollamaUrl` alone. */
  ollamaHosts: string[] | null;
  /** Slots per Ollama host (its `OLLAMA_NUM_PARALLEL`): sizes the fair queue; null: unknown, `RECALL_LIMIT_GENERATIONS_PER_SERVER` alone. */
  ollamaNumParallel: number | null;
  /** How often each pooled host's `/api/ps` is read (its health probe too). */
  ollamaHealthIntervalMs: number;
  defaultModel: string;
  /** Start the fake Ollama in-process and talk to it: for trying the UI without a model. */
  demoFakeOllama: boolean;
  secret: string | undefined;
  systemPrompt: string;
  bufferMessages: number;
  /** Cap on num_ctx (the model's own context when smaller): the one budget for every layer plus the answer. */
  maxContextTokens: number;
  /** Room kept for the answer inside num_ctx (at most half of it). */
  answerReserveTokens: number;
  /** How many older turns recall may bring back (as whole exchanges). */
  recallLimit: number;
  /** Recall from the user's other chats too, not only this one. */
  recallAcrossChats: boolean;
  /** Users whose recall index stays in memory (least recently used dropped first). */
  recallCachedUsers: number;
  /** The running summary is updated once this many messages have left the buffer (one model call per segment). */
  summaryEveryMessages: number;
  /** The first summary of a chat is written once this many messages have left the buffer. */
  summaryFirstAfterMessages: number;
  /**
   * A summary is asked for only once a reply's prompt uses this share of its budget: until the
   * prompt is laid out afresh the chat is sent verbatim, and on a one-slot model the call costs
   * the chat its prompt cache. 0 checks after every reply.
   */
  summaryDueShare: number;
  /** A smaller model may write summaries; unset uses the chat's model. */
  summaryModel: string | null;
  /** Redis for the conversation cache; unset keeps it in process memory. */
  redisUrl: string | null;
  redisDatabase: number;
  /** Background work (summaries, episodes, document ingestion): in this process, or BullMQ workers. */
  jobs: JobSettings;
  /** Where replies' event logs live: "memory" (one instance) or "redis" (any instance serves any reply; needs REDIS_URL). */
  eventLog: "memory" | "redis";
  /** Scaled mode: a generating instance renews each reply's lease this often / 3; a reply whose lease lapses is swept `interrupted`. */
  replyLeaseMs: number;
  /**
   * Ollama slots counted across instances in Redis (`limits/shared-model-slots.ts`): on by default
   * with the Redis event log (several instances), off when each instance has an Ollama of its own
   * under the same URL; needs REDIS_URL and OLLAMA_NUM_PARALLEL.
   */
  sharedSlots: boolean;
  cacheTtlSeconds: number;
  cacheEntries: number;
  // Encryption at rest
  /** Master keys, `2:<base64>,1:<base64>` (newest first); never logged. Unset with no file: text is stored in the clear. */
  encryptionKeys: string | null;
  /** A file holding the master keys instead (e.g. a mounted secret). */
  encryptionKeysFile: string | null;
  /** "reject" once `keys:reencrypt` has converted everything: text planted in the clear is not served. */
  encryptionLegacyPlaintext: "accept" | "reject";
  /** Recall by meaning too (Ollama /api/embed), fused with BM25; unset: BM25 only. */
  embeddingModel: string | null;
  /** The longest a reply waits for its message's embedding before recalling by BM25 alone. */
  embeddingTimeoutMs: number;
  /** An ephemeral chat idle this long is forgotten. */
  ephemeralIdleMs: number;
  /** A chat idle this long has ended and gets its episode (as does one the user leaves for a new chat). */
  episodeIdleMs: number;
  /** How many of the user's last finished chats a new reply sees. */
  episodesInContext: number;
  /** Chats shorter than this get no episode. */
  episodeMinimumMessages: number;
  /** How often a growing reply is saved, so a crash loses at most this much text. */
  checkpointMs: number;
  /** Extra wait to gather deltas into one SSE frame; 0 sends as soon as the reader is free. */
  streamFrameMs: number;
  /** A streaming reply nobody has watched for this long is stopped (`client-gone`). */
  abandonAfterMs: number;
  ollamaIdleTimeoutMs: number;
  webDist: string;
  /** Origins model replies may show images from; none by default (an image is a request the model chose). */
  imageOrigins: string[];
  logLevel: z.infer<typeof environmentSchema>["LOG_LEVEL"];
  // Limits
  /** Every request, rate, concurrency and quota limit (`limits/limit-settings.ts`). */
  limits: LimitSettings;
  // Operations
  /** Bearer token that opens `/metrics`; unset: `/metrics` answers 404. */
  metricsToken: string | null;
  /** One log line per finished request (ids, route, sizes, duration; never text). */
  requestLog: boolean;
  readinessTimeoutMs: number;
  /** A quiet reply stream gets a ping within twice this (under proxies' read timeouts and the client's 20 s); 0: none. */
  sseKeepAliveMs: number;
  // Moderation
  /** A rules file path, or the rules' JSON itself; unset: no rules. */
  moderationRules: string | null;
  /** A guard model through Ollama (e.g. llama-guard3:1b); unset: no model check. */
  moderationModel: string | null;
  /** When the guard model fails or times out: let the text through (open) or block it (closed). */
  moderationFail: "open" | "closed";
  moderationTimeoutMs: number;
  moderationNumCtx: number;
  // Retention (0: kept for ever)
  /** A saved chat untouched this long is deleted with everything derived from it. */
  retainChatsMs: number;
  /** An anonymous user with no activity this long is deleted, as "delete my data" would. */
  retainAnonymousUsersMs: number;
  /** An anonymous user who never saved anything is deleted this long after arriving. */
  retainEmptyUsersMs: number;
  retentionSweepMs: number;
  // Documents
  documents: DocumentSettings;
  // Identity
  /** Logins (normalized) that get the admin role; none by default. */
  adminUsers: string[];
  /** Fastify's `trustProxy`: which proxies' `X-Forwarded-Proto`/`-For`/`-Host` to believe (false: none). */
  trustProxy: boolean | string[] | ((address: string, hop: number) => boolean);
  /** Host header values served (a name alone allows any port); anything else gets 421 (DNS rebinding). */
  allowedHosts: string[];
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

export function loadConfig(environment: NodeJS.ProcessEnv = process.env, overrides: Partial<RecallConfig> = {}): RecallConfig {
  const parsed = environmentSchema.safeParse(environment);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ");
    throw new ConfigError(`Invalid configuration: ${problems}`);
  }
  const values = parsed.data;
  if (values.RECALL_EVENT_LOG === "redis" && !values.REDIS_URL) {
    throw new ConfigError("Invalid configuration: RECALL_EVENT_LOG=redis needs REDIS_URL (the event logs, leases and stop signals live in Redis).");
  }
  if (values.RECALL_SHARED_SLOTS === "on" && (!values.REDIS_URL || values.OLLAMA_NUM_PARALLEL === undefined)) {
    throw new ConfigError("Invalid configuration: RECALL_SHARED_SLOTS=on needs REDIS_URL (the slots are counted there) and OLLAMA_NUM_PARALLEL (the slots each host has).");
  }
  // The default sits at the repository root, whichever directory the server was started from.
  const dataDir = resolve(values.RECALL_DATA_DIR ?? new URL("../../../data", import.meta.url).pathname);
  const config: RecallConfig = {
    host: values.HOST,
    port: values.PORT,
    dataDir,
    databaseUrl: values.DATABASE_URL ?? `file:${resolve(dataDir, "recall.db")}`,
    ollamaUrl: (values.OLLAMA_URLS ?? values.OLLAMA_URL)[0]!,
    ollamaHosts: (values.OLLAMA_URLS ?? values.OLLAMA_URL).length > 1 ? (values.OLLAMA_URLS ?? values.OLLAMA_URL) : null,
    ollamaNumParallel: values.OLLAMA_NUM_PARALLEL ?? null,
    ollamaHealthIntervalMs: values.RECALL_OLLAMA_HEALTH_INTERVAL_MS,
    defaultModel: values.RECALL_DEFAULT_MODEL,
    demoFakeOllama: values.RECALL_DEMO_FAKE_OLLAMA,
    secret: values.RECALL_SECRET,
    systemPrompt: values.RECALL_SYSTEM_PROMPT ?? defaultSystemPrompt,
    bufferMessages: values.RECALL_BUFFER_MESSAGES,
    maxContextTokens: values.RECALL_MAX_CONTEXT_TOKENS,
    answerReserveTokens: values.RECALL_ANSWER_RESERVE_TOKENS,
    recallLimit: values.RECALL_RECALL_LIMIT,
    recallAcrossChats: values.RECALL_RECALL_ACROSS_CHATS,
    recallCachedUsers: values.RECALL_RECALL_CACHED_USERS,
    summaryEveryMessages: values.RECALL_SUMMARY_EVERY_MESSAGES,
    summaryFirstAfterMessages: values.RECALL_SUMMARY_FIRST_AFTER_MESSAGES,
    summaryDueShare: values.RECALL_SUMMARY_DUE_SHARE,
    summaryModel: values.RECALL_SUMMARY_MODEL ?? null,
    redisUrl: values.REDIS_URL ?? null,
    redisDatabase: values.RECALL_REDIS_DB,
    jobs: {
      mode: values.RECALL_JOBS,
      prefix: values.RECALL_JOBS_PREFIX,
      lockDurationMs: values.RECALL_JOBS_LOCK_MS,
      stalledIntervalMs: values.RECALL_JOBS_STALLED_CHECK_MS,
      retryDelayMs: values.RECALL_JOBS_RETRY_DELAY_MS,
      workerConcurrency: values.RECALL_WORKER_CONCURRENCY,
      workerHealthPort: values.RECALL_WORKER_HEALTH_PORT ?? null,
    },
    eventLog: values.RECALL_EVENT_LOG,
    replyLeaseMs: values.RECALL_REPLY_LEASE_MS,
    sharedSlots: (values.RECALL_SHARED_SLOTS ?? (values.RECALL_EVENT_LOG === "redis" ? "on" : "off")) === "on",
    cacheTtlSeconds: values.RECALL_CACHE_TTL_SECONDS,
    cacheEntries: values.RECALL_CACHE_ENTRIES,
    // Encryption at rest
    encryptionKeys: values.RECALL_ENCRYPTION_KEYS?.trim() || null,
    encryptionKeysFile: values.RECALL_ENCRYPTION_KEYS_FILE?.trim() || null,
    encryptionLegacyPlaintext: values.RECALL_ENCRYPTION_LEGACY_PLAINTEXT,
    embeddingModel: values.RECALL_EMBEDDING_MODEL ?? null,
    embeddingTimeoutMs: values.RECALL_EMBEDDING_TIMEOUT_MS,
    ephemeralIdleMs: Math.round(values.RECALL_EPHEMERAL_IDLE_MINUTES * 60_000),
    episodeIdleMs: Math.round(values.RECALL_EPISODE_IDLE_MINUTES * 60_000),
    episodesInContext: values.RECALL_EPISODES_IN_CONTEXT,
    episodeMinimumMessages: values.RECALL_EPISODE_MIN_MESSAGES,
    checkpointMs: values.RECALL_CHECKPOINT_MS,
    streamFrameMs: values.RECALL_STREAM_FRAME_MS,
    abandonAfterMs: values.RECALL_ABANDON_AFTER_MS,
    ollamaIdleTimeoutMs: values.RECALL_OLLAMA_IDLE_TIMEOUT_MS,
    webDist: resolve(values.RECALL_WEB_DIST ?? new URL("../../web/dist", import.meta.url).pathname),
    imageOrigins: values.RECALL_IMAGE_ORIGINS.map((origin) => new URL(origin).origin),
    logLevel: values.LOG_LEVEL,
    // Limits
    limits: {
      ...limitDefaults,
      messagesPerSecond: { max: values.RECALL_LIMIT_MESSAGES_PER_SECOND, windowMs: 1000 },
      messagesPerMinute: { max: values.RECALL_LIMIT_MESSAGES_PER_MINUTE, windowMs: 60_000 },
      generationsPerUser: values.RECALL_LIMIT_GENERATIONS_PER_USER,
      generationsPerServer: values.RECALL_LIMIT_GENERATIONS_PER_SERVER,
      generationQueue: values.RECALL_LIMIT_GENERATION_QUEUE,
      messageMaxChars: values.RECALL_LIMIT_MESSAGE_CHARS,
      storedCharsPerUser: values.RECALL_LIMIT_STORED_CHARS_PER_USER,
      chatsPerUser: values.RECALL_LIMIT_CHATS_PER_USER,
      temporaryChatsPerUser: values.RECALL_LIMIT_TEMPORARY_CHATS_PER_USER,
      temporaryCharsPerUser: values.RECALL_LIMIT_TEMPORARY_CHARS_PER_USER,
      usersPerAddress: { max: values.RECALL_LIMIT_USERS_PER_ADDRESS_PER_HOUR, windowMs: 3_600_000 },
      loginAttempts: { max: values.RECALL_LIMIT_LOGIN_ATTEMPTS, windowMs: Math.round(values.RECALL_LIMIT_LOGIN_WINDOW_MINUTES * 60_000) },
      documentUploads: { max: values.RECALL_DOCUMENT_UPLOADS_PER_MINUTE, windowMs: 60_000 },
      batchSize: values.RECALL_LIMIT_BATCH_SIZE,
      bodyBytes: values.RECALL_LIMIT_BODY_BYTES,
      requestTimeoutMs: Math.round(values.RECALL_LIMIT_REQUEST_TIMEOUT_SECONDS * 1000),
      headersTimeoutMs: Math.round(values.RECALL_LIMIT_HEADERS_TIMEOUT_SECONDS * 1000),
      connections: values.RECALL_LIMIT_CONNECTIONS,
      connectionsPerAddress: values.RECALL_LIMIT_CONNECTIONS_PER_ADDRESS,
    },
    // Operations
    metricsToken: values.RECALL_METRICS_TOKEN ?? null,
    requestLog: values.RECALL_REQUEST_LOG,
    readinessTimeoutMs: values.RECALL_READINESS_TIMEOUT_MS,
    sseKeepAliveMs: Math.round(values.RECALL_SSE_KEEPALIVE_SECONDS * 1000),
    // Moderation
    moderationRules: values.RECALL_MODERATION_RULES ?? null,
    moderationModel: values.RECALL_MODERATION_MODEL ?? null,
    moderationFail: values.RECALL_MODERATION_FAIL,
    moderationTimeoutMs: values.RECALL_MODERATION_TIMEOUT_MS,
    moderationNumCtx: values.RECALL_MODERATION_NUM_CTX,
    // Retention
    retainChatsMs: Math.round(values.RECALL_RETAIN_CHATS_DAYS * 86_400_000),
    retainAnonymousUsersMs: Math.round(values.RECALL_RETAIN_ANONYMOUS_USERS_DAYS * 86_400_000),
    retainEmptyUsersMs: Math.round(values.RECALL_RETAIN_EMPTY_USERS_HOURS * 3_600_000),
    retentionSweepMs: Math.round(values.RECALL_RETENTION_SWEEP_MINUTES * 60_000),
    // Documents
    documents: {
      maxBytes: Math.round(values.RECALL_DOCUMENT_MAX_MB * 1024 * 1024),
      maxPages: values.RECALL_DOCUMENT_MAX_PAGES,
      storageBytesPerUser: Math.round(values.RECALL_DOCUMENT_STORAGE_MB_PER_USER * 1024 * 1024),
      documentsPerUser: values.RECALL_DOCUMENTS_PER_USER,
      documentsPerChat: values.RECALL_DOCUMENTS_PER_CHAT,
      parseTimeoutMs: Math.round(values.RECALL_DOCUMENT_PARSE_TIMEOUT_SECONDS * 1000),
      workerMemoryMb: values.RECALL_DOCUMENT_WORKER_MEMORY_MB,
      workers: values.RECALL_DOCUMENT_WORKERS,
      passagesPerQuestion: values.RECALL_DOCUMENT_PASSAGES,
      summaries: values.RECALL_DOCUMENT_SUMMARIES,
    },
    // Identity
    adminUsers: values.RECALL_ADMIN_USERS.split(",").map((login) => login.normalize("NFKC").trim().toLowerCase()).filter(Boolean),
    trustProxy: parseTrustProxy(values.RECALL_TRUST_PROXY),
    allowedHosts: values.RECALL_ALLOWED_HOSTS?.trim()
      ? values.RECALL_ALLOWED_HOSTS.split(",").map((host) => host.trim().toLowerCase()).filter(Boolean)
      : ["localhost", "127.0.0.1", "[::1]", `${values.HOST.includes(":") ? `[${values.HOST}]` : values.HOST.toLowerCase()}:${values.PORT}`],
    ...overrides,
  };
  if (config.jobs.mode === "queue" && !config.redisUrl) {
    throw new ConfigError("Invalid configuration: RECALL_JOBS=queue needs REDIS_URL (the queue lives in Redis); unset RECALL_JOBS to run background work in this process.");
  }
  return config;
}

/** Background jobs (`jobs/`): where they run and, on BullMQ, how a dead worker's job is found. */
export interface JobSettings {
  mode: "in-process" | "queue";
  /** Namespaces the queues' Redis keys. */
  prefix: string;
  /** A job whose worker stops renewing its lock this long is taken up by another worker. */
  lockDurationMs: number;
  /** How often workers look for such jobs. */
  stalledIntervalMs: number;
  /** Wait before a failed job's one retry. */
  retryDelayMs: number;
  /** Summaries and episodes one worker process runs at once. */
  workerConcurrency: number;
  /** The worker's /healthz port (none by default; 0 picks one). */
  workerHealthPort: number | null;
}

/** Documents in chats (`documents/`): sizes, counts and the parser's limits. 0 turns a count off. */
export interface DocumentSettings {
  /** Largest file accepted, in bytes (checked from the request's length before it is read). */
  maxBytes: number;
  maxPages: number;
  /** Bytes of uploaded files one user may hold (saved documents). */
  storageBytesPerUser: number;
  documentsPerUser: number;
  documentsPerChat: number;
  /** A parse that takes longer is stopped (its worker terminated) and the file refused. */
  parseTimeoutMs: number;
  /** Heap of one parsing worker; a file that needs more is refused. */
  workerMemoryMb: number;
  workers: number;
  /** Passages from the chat's documents put before each question (top k). */
  passagesPerQuestion: number;
  /** A one-time summary per document, written in the background. */
  summaries: boolean;
}
