import { ContentBlockedError } from "../domain-errors.ts";
import type { ModerationRole, ModerationVerdict, Moderator } from "./moderator.ts";

/** What moderation reports to metrics: categories and outcomes, never text. */
export interface ModerationMetrics {
  moderationBlocked(role: ModerationRole, category: string): void;
  moderationFailed(outcome: "failed_open" | "failed_closed"): void;
}

/**
 * Moderation where the chat uses it: the user's message before anything is saved or sent to
 * the model (blocked: `ContentBlockedError`, nothing saved), and the reply once it has ended
 * (blocked: the reply is withdrawn, see `GenerationManager`). Counts every outcome.
 */
export class ContentModeration {
  constructor(
    private readonly moderator: Moderator,
    private readonly metrics: ModerationMetrics,
    /** False when moderation is off: callers skip the call (and its awaits) entirely. */
    readonly enabled: boolean,
  ) {}

  /** Throws `ContentBlockedError` with a message the person can act on when the message may not be sent. */
  async checkUserMessage(text: string, signal?: AbortSignal): Promise<void> {
    if (!this.enabled) return;
    const verdict = await this.moderator.check({ role: "user", text, ...(signal ? { signal } : {}) });
    this.count("user", verdict);
    if (verdict.action === "block") throw new ContentBlockedError(verdict.message, verdict.category);
  }

  /** The message to show instead of the reply when it is withheld; null when it may stand. */
  async checkReply(text: string, userText: string, signal?: AbortSignal): Promise<string | null> {
    if (!this.enabled || text.trim().length === 0) return null;
    const verdict = await this.moderator.check({ role: "assistant", text, userText, ...(signal ? { signal } : {}) });
    this.count("assistant", verdict);
    return verdict.action === "block" ? verdict.message : null;
  }

  private count(role: ModerationRole, verdict: ModerationVerdict): void {
    if (verdict.outcome === "failed-open") this.metrics.moderationFailed("failed_open");
    if (verdict.outcome === "failed-closed") this.metrics.moderationFailed("failed_closed");
    if (verdict.action === "block") this.metrics.moderationBlocked(role, verdict.category);
  }
}
