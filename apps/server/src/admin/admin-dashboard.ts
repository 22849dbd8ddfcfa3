import type { GenerationManager } from "../chat/generation.ts";
import type { MemoryMetrics } from "../memory/memory-metrics.ts";
import type { RecallMetrics } from "../ops/recall-metrics.ts";
import type { AdminStatsStore } from "./admin-stats.ts";

/**
 * What the admin page shows: figures from the database (users, chats, messages, tokens per
 * day and model) and from this instance since it started (cache, upkeep, limits, moderation).
 * Counts only, never an id or a word anyone wrote.
 */
export class AdminDashboard {
  constructor(
    private readonly store: AdminStatsStore,
    private readonly memory: Pick<MemoryMetrics, "snapshot">,
    private readonly metrics: Pick<RecallMetrics, "counts">,
    private readonly generations: Pick<GenerationManager, "activeCount">,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async stats(days: number) {
    const since = new Date(this.now().getTime() - (days - 1) * 86_400_000);
    since.setUTCHours(0, 0, 0, 0);
    const [totals, activity, tokens, counts] = await Promise.all([this.store.totals(), this.store.dailyActivity(since), this.store.dailyTokens(since), this.metrics.counts()]);
    const memory = this.memory.snapshot();
    return {
      since: since.toISOString().slice(0, 10),
      totals,
      activity,
      tokens,
      instance: {
        activeGenerations: this.generations.activeCount,
        activeChats: memory.activeSessions,
        cacheHitRate: memory.cache.hitRate,
        contextsBuilt: memory.contextsBuilt,
        summaries: memory.summaries,
        episodes: memory.episodes,
        limitRejections: counts.limitRejections,
        moderationBlocks: counts.moderationBlocks,
        moderationFailures: counts.moderationFailures,
        replies: counts.replies,
      },
    };
  }
}

export type AdminStats = Awaited<ReturnType<AdminDashboard["stats"]>>;
