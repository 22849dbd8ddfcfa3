import { systemClock, type Clock } from "@recall/memory";
import { LRUCache } from "lru-cache";
import type { ServerCache } from "../cache/memory-cache.ts";
import type { ContextMetadata } from "./context-builder.ts";
import type { EpisodeService } from "./episodes.ts";
import type { SummaryService } from "./summaries.ts";

/** How long after its last reply a chat still counts as active. */
const activeWindowMs = 30 * 60 * 1000;

/** Counters the memory layer keeps for operators: tokens per request, cache hit rate, upkeep, active sessions. */
export class MemoryMetrics {
  private contexts = 0;
  private promptTokens = 0;
  private cachedContexts = 0;
  /** Per chat, when its last context was built; the least recently active are forgotten first. */
  private readonly lastActivity = new LRUCache<string, number>({ max: 100_000 });

  constructor(
    private readonly cache: ServerCache,
    private readonly summaries: SummaryService,
    private readonly episodes: EpisodeService,
    private readonly clock: Clock = systemClock,
  ) {}

  recordContext(metadata: ContextMetadata, sessionId?: string): void {
    this.contexts += 1;
    this.promptTokens += metadata.estimatedPromptTokens;
    if (metadata.cached) this.cachedContexts += 1;
    if (sessionId) this.lastActivity.set(sessionId, this.clock.now().getTime());
  }

  snapshot() {
    const cutoff = this.clock.now().getTime() - activeWindowMs;
    let activeSessions = 0;
    for (const at of this.lastActivity.values()) if (at >= cutoff) activeSessions += 1;
    const cache = this.cache.stats();
    const lookups = cache.hits + cache.misses;
    return {
      activeSessions,
      cacheEnabled: true,
      cache: { ...cache, hitRate: lookups > 0 ? cache.hits / lookups : null },
      contextsBuilt: this.contexts,
      meanPromptTokens: this.contexts > 0 ? this.promptTokens / this.contexts : null,
      cachedContextShare: this.contexts > 0 ? this.cachedContexts / this.contexts : null,
      summaries: { ...this.summaries.stats },
      episodes: { ...this.episodes.stats },
    };
  }
}
