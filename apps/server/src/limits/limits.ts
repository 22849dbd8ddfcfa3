import { limits as schemaLimits } from "@recall/schema";
import { LimitExceededError, PayloadTooLargeError } from "../domain-errors.ts";
import type { LimitName } from "../ops/recall-metrics.ts";
import { GenerationQueue, type Reservation } from "./generation-queue.ts";
import type { LimitSettings } from "./limit-settings.ts";
import type { RateLimiter, RateLimiterFactory } from "./rate-limiter.ts";
import type { SharedReplyLeases } from "./shared-reply-leases.ts";
import type { UsageCounts } from "./usage-counts.ts";

/** Where rejections are counted (`RecallMetrics`). */
export interface LimitMetrics {
  limitRejected(limit: LimitName): void;
}

interface StoredTotal {
  chars: number;
  readAt: number;
}

/** "3 s", "2 min", "1 h": when to try again, in words. */
export function describeWait(seconds: number): string {
  if (seconds < 90) return `${Math.max(1, Math.ceil(seconds))} s`;
  if (seconds < 5400) return `${Math.ceil(seconds / 60)} min`;
  return `${Math.ceil(seconds / 3600)} h`;
}

/** How long a full server asks a sender to wait: a queued reply usually starts within seconds. */
const busyRetrySeconds = 5;
/** Users whose stored total is kept between sends. */
const storedTotalsKept = 50_000;

/**
 * Every per-user and per-address limit, each refusal a `LimitExceededError` (or
 * `PayloadTooLargeError`) with when to retry, counted in the metrics. Rates go through
 * `@fastify/rate-limit` (Redis when configured, so instances share the counts); replies in
 * flight through this instance's `GenerationQueue`; stored text and chats are counted in the
 * database, which every instance shares.
 */
export class Limits {
  readonly generations: GenerationQueue;
  private readonly messagesPerSecond: RateLimiter;
  private readonly messagesPerMinute: RateLimiter;
  private readonly newUsers: RateLimiter;
  private readonly logins: RateLimiter;
  private readonly uploads: RateLimiter;
  private readonly storedTotals = new Map<string, StoredTotal>();

  constructor(
    readonly settings: LimitSettings,
    rateLimiter: RateLimiterFactory,
    private readonly counts: UsageCounts,
    readonly metrics: LimitMetrics,
    private readonly now: () => number = Date.now,
    /** With Redis: a user's replies in flight counted across instances too. */
    private readonly sharedReplies: SharedReplyLeases | null = null,
  ) {
    this.generations = new GenerationQueue({ perUser: settings.generationsPerUser, perServer: settings.generationsPerServer, queue: settings.generationQueue });
    this.messagesPerSecond = rateLimiter("messages-second", settings.messagesPerSecond);
    this.messagesPerMinute = rateLimiter("messages-minute", settings.messagesPerMinute);
    this.newUsers = rateLimiter("new-users", settings.usersPerAddress);
    this.logins = rateLimiter("logins", settings.loginAttempts);
    this.uploads = rateLimiter("document-uploads", settings.documentUploads);
  }

  /** One more document upload from this user. */
  async checkUpload(userId: string): Promise<void> {
    const decision = await this.uploads.hit(userId);
    if (decision.allowed) return;
    this.metrics.limitRejected("document_uploads");
    throw new LimitExceededError(`You are uploading files too quickly — try again in ${describeWait(decision.retryAfterSeconds)}.`, decision.retryAfterSeconds);
  }

  /**
   * One more message (send or regenerate) from this user, `chars` long (0 for a regenerate);
   * `stored`: it goes to a saved chat (a temporary chat's text is not stored).
   */
  async checkMessage(userId: string, chars: number, stored = true): Promise<void> {
    // Past the schema's own cap, input validation refuses it (BAD_REQUEST) as before.
    if (chars > this.settings.messageMaxChars && chars <= schemaLimits.messageMaxChars) {
      this.metrics.limitRejected("message_size");
      throw new PayloadTooLargeError(
        `Messages are at most ${this.settings.messageMaxChars.toLocaleString("en")} characters here; split it or upload it as a document.`,
      );
    }
    for (const [limiter, name] of [
      [this.messagesPerSecond, "messages_per_second"],
      [this.messagesPerMinute, "messages_per_minute"],
    ] as const) {
      const decision = await limiter.hit(userId);
      if (!decision.allowed) {
        this.metrics.limitRejected(name);
        throw new LimitExceededError(`You're sending messages too fast — try again in ${describeWait(decision.retryAfterSeconds)}.`, decision.retryAfterSeconds);
      }
    }
    if (stored) await this.checkStoredText(userId, chars);
    else await this.checkTemporaryText(userId, chars);
  }

  /**
   * A place for one more reply of this user (on every instance, with Redis); release it once
   * the reply is queued or the send failed. The reply holds the place until it ends.
   */
  async reserveGeneration(userId: string): Promise<Reservation> {
    const lease = this.sharedReplies ? await this.sharedReplies.take(userId) : null;
    if (lease && !lease.taken) {
      this.metrics.limitRejected("concurrent_generations_user");
      throw this.tooManyReplies(lease.inFlight);
    }
    const outcome = this.generations.reserve(userId, lease?.release);
    if ("release" in outcome) return outcome;
    lease?.release();
    this.metrics.limitRejected(outcome.limit);
    if (outcome.limit === "concurrent_generations_user") throw this.tooManyReplies(outcome.inFlight);
    throw new LimitExceededError(
      `Recall is busy: ${outcome.waiting} replies are waiting for the model — try again in ${describeWait(busyRetrySeconds)}.`,
      busyRetrySeconds,
    );
  }

  private tooManyReplies(inFlight: number): LimitExceededError {
    return new LimitExceededError(`${inFlight} of your replies are already being written — wait for one to finish, then send again.`, busyRetrySeconds);
  }

  async checkNewChat(userId: string, temporary: boolean): Promise<void> {
    if (temporary) {
      const max = this.settings.temporaryChatsPerUser;
      if (max > 0 && (await this.counts.temporaryChats(userId)) >= max) {
        this.metrics.limitRejected("temporary_chats");
        throw new LimitExceededError(`You have ${max} temporary chats open, the most allowed. Delete one (or let one expire) to start another.`);
      }
      return;
    }
    const max = this.settings.chatsPerUser;
    if (max > 0 && (await this.counts.savedChats(userId)) >= max) {
      this.metrics.limitRejected("chats");
      throw new LimitExceededError(`You have ${max.toLocaleString("en")} chats, the most allowed. Delete some to start a new one.`);
    }
  }

  /** A new user from this client address (anonymous first visit or sign-up). */
  async checkNewUser(address: string): Promise<void> {
    const decision = await this.newUsers.hit(address);
    if (decision.allowed) return;
    this.metrics.limitRejected("users_per_address");
    throw new LimitExceededError(
      `Too many new identities from your network — try again in ${describeWait(decision.retryAfterSeconds)}.`,
      decision.retryAfterSeconds,
    );
  }

  /**
   * One login attempt for `login` from `address` (call it before checking the password, for
   * every attempt): throws `LimitExceededError` past the limit.
   */
  async checkLoginAttempt(address: string, login: string): Promise<void> {
    const decision = await this.logins.hit(`${address}|${login.trim().toLowerCase()}`);
    if (decision.allowed) return;
    this.metrics.limitRejected("login_attempts");
    throw new LimitExceededError(`Too many login attempts — try again in ${describeWait(decision.retryAfterSeconds)}.`, decision.retryAfterSeconds);
  }

  /** Temporary chats are memory: their text is summed afresh (cheap, in process) for every send. */
  private async checkTemporaryText(userId: string, chars: number): Promise<void> {
    const max = this.settings.temporaryCharsPerUser;
    if (max <= 0) return;
    const held = await this.counts.temporaryChars(userId);
    if (held + chars > max) {
      this.metrics.limitRejected("stored_text");
      throw new LimitExceededError(
        `Your temporary chats hold ${held.toLocaleString("en")} of the ${max.toLocaleString("en")} characters allowed. Delete one (or start a saved chat) to send more.`,
      );
    }
  }

  /** The stored total is read from the database at most once per `storedTextRecountMs`, plus what was sent since. */
  private async checkStoredText(userId: string, chars: number): Promise<void> {
    const max = this.settings.storedCharsPerUser;
    if (max <= 0) return;
    const now = this.now();
    let total = this.storedTotals.get(userId);
    if (!total || now - total.readAt >= this.settings.storedTextRecountMs) {
      total = { chars: await this.counts.storedChars(userId), readAt: now };
      this.storedTotals.delete(userId);
      if (this.storedTotals.size >= storedTotalsKept) this.storedTotals.delete(this.storedTotals.keys().next().value!);
      this.storedTotals.set(userId, total);
    }
    if (total.chars + chars > max) {
      this.metrics.limitRejected("stored_text");
      throw new LimitExceededError(
        `You have stored ${total.chars.toLocaleString("en")} of your ${max.toLocaleString("en")} characters of messages. Delete some chats (or export and delete them) to send more.`,
      );
    }
    total.chars += chars;
  }
}
