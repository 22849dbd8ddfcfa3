import type { FastifyInstance } from "fastify";
import { Redis } from "ioredis";
import type { Logger } from "../services.ts";
import { Limits, type LimitMetrics } from "./limits.ts";
import type { LimitSettings } from "./limit-settings.ts";
import { createRateLimiterFactory } from "./rate-limiter.ts";
import { SharedReplyLeases } from "./shared-reply-leases.ts";
import type { UsageCounts } from "./usage-counts.ts";

export interface LimitsDependencies {
  /** Shared counts across instances when set; in process otherwise. */
  redis: { url: string; database: number } | null;
  counts: UsageCounts;
  metrics: LimitMetrics;
  logger: Logger;
}

/** The limits and their Redis connection (a client of their own: a slow cache never delays a rate check). */
export async function createLimits(app: FastifyInstance, settings: LimitSettings, dependencies: LimitsDependencies): Promise<{ limits: Limits; close(): Promise<void> }> {
  let redis: Redis | null = null;
  if (dependencies.redis) {
    let warned = false;
    redis = new Redis(dependencies.redis.url, {
      db: dependencies.redis.database,
      // A rate check waits at most this long; past it the check is skipped (fail open).
      commandTimeout: 1000,
      maxRetriesPerRequest: 1,
    });
    redis.on("error", () => {
      if (warned) return;
      warned = true;
      dependencies.logger.warn({ limits: "degraded" }, "Redis unreachable: rate limits are not enforced until it is back");
    });
    redis.on("ready", () => {
      warned = false;
    });
  }
  const rateLimiter = await createRateLimiterFactory(app, redis);
  const sharedReplies = redis && settings.generationsPerUser > 0 ? new SharedReplyLeases(redis, settings.generationsPerUser) : null;
  const limits = new Limits(settings, rateLimiter, dependencies.counts, dependencies.metrics, Date.now, sharedReplies);
  return {
    limits,
    async close() {
      sharedReplies?.close();
      limits.generations.close();
      if (redis) await redis.quit().catch(() => redis?.disconnect());
    },
  };
}
