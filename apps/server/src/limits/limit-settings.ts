import { limits as schemaLimits } from "@recall/schema";

/** At most `max` in any window of `windowMs` (a fixed window from the first hit); `max` 0 turns the rule off. */
export interface RateRule {
  max: number;
  windowMs: number;
}

/** Every limit Recall enforces (`env.ts`, block `// Limits`). A count of 0 turns that limit off. */
export interface LimitSettings {
  /** `message.send` and `message.regenerate` per user. */
  messagesPerSecond: RateRule;
  messagesPerMinute: RateRule;
  /** Replies being written for one user at once; their further replies wait in the queue. */
  generationsPerUser: number;
  /** Replies being written at once by this instance (model calls in flight). */
  generationsPerServer: number;
  /** Replies waiting for a slot on this instance; past it a send is refused. */
  generationQueue: number;
  /** Longest user message in characters (never above the schema's own cap). */
  messageMaxChars: number;
  /** Characters of message text stored per user (replies included), as stored. */
  storedCharsPerUser: number;
  /** How long a user's stored total is reused before it is read from the database again. */
  storedTextRecountMs: number;
  chatsPerUser: number;
  /** Temporary chats live in this instance's memory: the count is per instance. */
  temporaryChatsPerUser: number;
  /** Characters of text a user's temporary chats may hold in memory (per instance). */
  temporaryCharsPerUser: number;
  /** New users (`auth.ensure` without an identity, sign-up) per client address. */
  usersPerAddress: RateRule;
  /** Login attempts per client address and login name. */
  loginAttempts: RateRule;
  /** Document uploads per user (`document.upload`). */
  documentUploads: RateRule;
  /** Procedures in one batched HTTP request (never below the schema's `batchMaxCalls`, which clients keep to). */
  batchSize: number;
  /** Largest request body, in bytes (JSON; other content types are refused on `/trpc`). */
  bodyBytes: number;
  /** Time to receive a whole request (headers and body); responses (streams) are not limited. */
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  /** Open connections on this instance, and from one socket address (0: off; off behind a proxy). */
  connections: number;
  connectionsPerAddress: number;
}

export const defaultLimitSettings: LimitSettings = {
  messagesPerSecond: { max: 10, windowMs: 1000 },
  messagesPerMinute: { max: 40, windowMs: 60_000 },
  generationsPerUser: 2,
  generationsPerServer: 8,
  generationQueue: 64,
  messageMaxChars: schemaLimits.messageMaxChars,
  storedCharsPerUser: 50_000_000,
  storedTextRecountMs: 60_000,
  chatsPerUser: 5000,
  temporaryChatsPerUser: 20,
  temporaryCharsPerUser: 2_000_000,
  usersPerAddress: { max: 30, windowMs: 3_600_000 },
  loginAttempts: { max: 7, windowMs: 300_000 },
  documentUploads: { max: 30, windowMs: 60_000 },
  batchSize: schemaLimits.batchMaxCalls,
  bodyBytes: 1024 * 1024,
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  connections: 4096,
  connectionsPerAddress: 256,
};

/** Every count and rate off, the request limits kept: the tests' default, so only limit tests meet the limits. */
export const relaxedLimitSettings: LimitSettings = {
  ...defaultLimitSettings,
  messagesPerSecond: { max: 0, windowMs: 1000 },
  messagesPerMinute: { max: 0, windowMs: 60_000 },
  generationsPerUser: 0,
  generationsPerServer: 0,
  storedCharsPerUser: 0,
  chatsPerUser: 0,
  temporaryChatsPerUser: 0,
  temporaryCharsPerUser: 0,
  usersPerAddress: { max: 0, windowMs: 3_600_000 },
  loginAttempts: { max: 0, windowMs: 300_000 },
  documentUploads: { max: 0, windowMs: 60_000 },
  connectionsPerAddress: 0,
  batchSize: 0,
};
