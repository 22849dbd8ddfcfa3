import type { Clock } from "@recall/memory";
import { describeError } from "../errors.ts";
import type { Logger } from "../services.ts";
import type { ChatLifecycle } from "./chat-lifecycle.ts";

/** What is past its time, oldest first, a batch at a time. Ids only: retention never reads text. */
export interface RetentionStore {
  /** Saved chats with no activity (no message, rename or reply) since `before`. */
  staleChats(before: Date, limit: number): Promise<{ userId: string; sessionId: string }[]>;
  /** Anonymous users who arrived before `before` and whose chats and documents have all been idle since. */
  inactiveAnonymousUsers(before: Date, limit: number): Promise<string[]>;
  /** Anonymous users who arrived before `before` and never saved a chat, a fact, an episode or a document. */
  emptyAnonymousUsers(before: Date, limit: number): Promise<string[]>;
}

export interface RetentionPolicy {
  /** 0 keeps them for ever. */
  chatsMs: number;
  anonymousUsersMs: number;
  emptyUsersMs: number;
  sweepEveryMs: number;
  /** Rows handled per batch; a sweep goes on batch after batch until nothing is left. */
  batchSize?: number;
}

export interface SweepResult {
  chats: number;
  anonymousUsers: number;
  emptyUsers: number;
}

/**
 * Deletes what the operator's retention settings say has expired, through the lifecycle, so an
 * expired chat or user goes exactly as a deleted one does (summaries, episodes, recall index,
 * cached state, streaming replies). Temporary chats expire on their own (`EphemeralChatStore`).
 */
export class RetentionSweeper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<SweepResult> | null = null;

  constructor(
    private readonly store: RetentionStore,
    private readonly lifecycle: Pick<ChatLifecycle, "expireChat" | "expireUser">,
    private readonly policy: RetentionPolicy,
    private readonly clock: Clock,
    private readonly logger: Logger,
    /** A user still chatting in temporary chats (kept in memory only) is not inactive. */
    private readonly userInUse: (userId: string) => Promise<boolean> = async () => false,
  ) {}

  get active(): boolean {
    return this.policy.chatsMs > 0 || this.policy.anonymousUsersMs > 0 || this.policy.emptyUsersMs > 0;
  }

  start(): void {
    if (!this.active || this.timer) return;
    this.timer = setInterval(() => void this.sweep().catch((error: unknown) => this.logger.warn({ error: describeError(error) }, "retention sweep failed")), this.policy.sweepEveryMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  /** One sweep (concurrent calls share it). */
  sweep(): Promise<SweepResult> {
    this.running ??= this.sweepOnce().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async sweepOnce(): Promise<SweepResult> {
    const now = this.clock.now().getTime();
    const limit = this.policy.batchSize ?? 100;
    const result: SweepResult = { chats: 0, anonymousUsers: 0, emptyUsers: 0 };
    if (this.policy.anonymousUsersMs > 0) {
      result.anonymousUsers = await this.drain(() => this.store.inactiveAnonymousUsers(new Date(now - this.policy.anonymousUsersMs), limit), (userId) => this.expireUser(userId));
    }
    if (this.policy.emptyUsersMs > 0) {
      result.emptyUsers = await this.drain(() => this.store.emptyAnonymousUsers(new Date(now - this.policy.emptyUsersMs), limit), (userId) => this.expireUser(userId));
    }
    if (this.policy.chatsMs > 0) {
      result.chats = await this.drain(() => this.store.staleChats(new Date(now - this.policy.chatsMs), limit), (chat) => this.lifecycle.expireChat(chat.userId, chat.sessionId));
    }
    if (result.chats + result.anonymousUsers + result.emptyUsers > 0) this.logger.info({ ...result }, "retention deleted expired data");
    return result;
  }

  private async expireUser(userId: string): Promise<boolean> {
    if (await this.userInUse(userId)) return false;
    await this.lifecycle.expireUser(userId);
    return true;
  }

  /** Batch after batch until a batch deletes nothing (what could not be deleted is not retried in a loop). */
  private async drain<Item>(next: () => Promise<Item[]>, expire: (item: Item) => Promise<boolean>): Promise<number> {
    let total = 0;
    for (;;) {
      const batch = await next();
      let deleted = 0;
      for (const item of batch) {
        try {
          if (await expire(item)) deleted += 1;
        } catch (error) {
          this.logger.warn({ error: describeError(error) }, "retention could not delete an expired item");
        }
      }
      total += deleted;
      if (deleted === 0) return total;
    }
  }
}
