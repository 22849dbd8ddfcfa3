import { isFinalStreamEvent, type StreamEvent } from "@recall/schema";
import type { Redis } from "ioredis";
import { describeError } from "../errors.ts";
import { isReady, type StreamKeys } from "./redis-connections.ts";
import { entryFields, entryId, parseEntries } from "./stream-entries.ts";

/** What the sweep needs of the database (SavedChatStore). */
export interface OrphanStore {
  /** Replies still `streaming` created before `createdBefore`, by id after `afterId`. */
  streamingReplies(createdBefore: Date, afterId: string | null, take: number): Promise<string[]>;
  /**
   * Ends an orphaned reply `interrupted` if it is still `streaming`, keeping the longer of its last
   * checkpoint and `streamedText` (what its readers were sent). False when it had ended already.
   */
  interruptOrphan(messageId: string, streamedText: string | null): Promise<boolean>;
}

interface Logger {
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
}

export interface OrphanSweeperOptions {
  instanceId: string;
  leaseMs: number;
  retainFinishedMs: number;
  sweepEveryMs?: number;
  /** Replies generated here are never orphans, whatever Redis says (their lease may be mid-renewal). */
  isGeneratedHere: (messageId: string) => boolean;
}

const pageSize = 200;

/**
 * Lease-based recovery (the scaled mode's replacement for marking every `streaming` reply at
 * start-up, which would end other instances' live replies): a `streaming` reply older than a lease
 * with no live lease belongs to an instance that died. One instance per round (a lock) ends it
 * `interrupted` with its text, and appends the final event to its log so every reader ends cleanly.
 * Right after (re)connecting to Redis it waits one lease, so generators renew first (a Redis that
 * restarted empty holds no leases at all).
 */
export class OrphanSweeper {
  private timer: NodeJS.Timeout | null = null;
  private readyAt = Number.POSITIVE_INFINITY;
  private sweeping: Promise<number> | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly keys: StreamKeys,
    private readonly store: OrphanStore,
    private readonly options: OrphanSweeperOptions,
    private readonly logger: Logger,
  ) {
    if (isReady(redis)) this.readyAt = Date.now();
    redis.on("ready", () => (this.readyAt = Date.now()));
    redis.on("close", () => (this.readyAt = Number.POSITIVE_INFINITY));
  }

  start(): void {
    const every = this.options.sweepEveryMs ?? Math.max(250, Math.floor(this.options.leaseMs / 2));
    this.timer = setInterval(() => void this.sweep(), every);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.sweeping;
  }

  /** One round; resolves with how many replies it ended. */
  sweep(): Promise<number> {
    this.sweeping ??= this.sweepOnce()
      .catch((error: unknown) => {
        this.logger.warn({ error: describeError(error) }, "orphaned reply sweep failed; will retry");
        return 0;
      })
      .finally(() => (this.sweeping = null));
    return this.sweeping;
  }

  private async sweepOnce(): Promise<number> {
    const now = Date.now();
    if (!isReady(this.redis) || now - this.readyAt < this.options.leaseMs) return 0;
    const every = this.options.sweepEveryMs ?? Math.max(250, Math.floor(this.options.leaseMs / 2));
    if ((await this.redis.set(this.keys.sweeperLock, this.options.instanceId, "PX", every, "NX")) === null) return 0;
    let ended = 0;
    let cursor: string | null = null;
    for (;;) {
      const page = await this.store.streamingReplies(new Date(now - this.options.leaseMs), cursor, pageSize);
      if (page.length === 0) break;
      cursor = page.at(-1) ?? null;
      const candidates = page.filter((messageId) => !this.options.isGeneratedHere(messageId));
      if (candidates.length > 0) {
        const pipeline = this.redis.pipeline();
        for (const messageId of candidates) pipeline.exists(this.keys.lease(messageId));
        const leases = (await pipeline.exec()) ?? [];
        for (const [index, messageId] of candidates.entries()) {
          const lease = leases[index];
          if (!lease || lease[0] || lease[1] !== 0) continue;
          if (await this.recover(messageId)) ended += 1;
        }
      }
      if (page.length < pageSize) break;
    }
    if (ended > 0) this.logger.warn({ count: ended }, "ended replies whose instance stopped renewing their lease as interrupted");
    return ended;
  }

  private async recover(messageId: string): Promise<boolean> {
    const streamKey = this.keys.events(messageId);
    const entries = parseEntries((await this.redis.xrange(streamKey, "-", "+")) as Array<[string, string[]]>);
    const last = entries.at(-1);
    const finishedInLog = last ? isFinalStreamEvent(last.event) : false;
    // The log holds what readers were sent, usually more than the last checkpoint.
    const streamedText = entries.length > 0 && entries[0]?.id === 1 ? entries.map(({ event }) => (event.type === "delta" ? event.text : "")).join("") : null;
    const ended = await this.store.interruptOrphan(messageId, streamedText);
    if (!finishedInLog && (ended || entries.length > 0)) {
      const final: StreamEvent = { type: "interrupted", reason: "shutdown" };
      const pipeline = this.redis.pipeline();
      // The explicit id makes this idempotent: a second sweeper's XADD of the same id fails.
      pipeline.xadd(streamKey, entryId((last?.id ?? 0) + 1), ...entryFields(final));
      pipeline.pexpire(streamKey, this.options.retainFinishedMs);
      pipeline.pexpire(this.keys.owner(messageId), this.options.retainFinishedMs);
      await pipeline.exec();
    }
    return ended;
  }
}
