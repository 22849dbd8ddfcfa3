import fastifyRateLimit from "@fastify/rate-limit";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Redis } from "ioredis";
import type { RateRule } from "./limit-settings.ts";

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** The port the limits use: one hit counted against `key`, refused past the rule's max. */
export interface RateLimiter {
  hit(key: string): Promise<RateDecision>;
}

export type RateLimiterFactory = (name: string, rule: RateRule) => RateLimiter;

const unlimited: RateLimiter = { hit: async () => ({ allowed: true }) };

/** What `createRateLimit` reads of a request: our key and the (empty) route config. */
interface KeyedRequest {
  routeOptions: { config: Record<string, never> };
  recallKey: string;
}

/**
 * Rate limiters on `@fastify/rate-limit` (its fixed windows, its Lua script in Redis so every
 * instance sharing `redis` shares the counts; its LRU store in process otherwise). Registered
 * with `global: false`: no route gets its hooks, the limits call `createRateLimit` themselves.
 * Its Redis children all share one key namespace, hence the limit name in every key.
 */
export async function createRateLimiterFactory(app: FastifyInstance, redis: Redis | null): Promise<RateLimiterFactory> {
  await app.register(fastifyRateLimit, {
    global: false,
    ...(redis ? { redis, nameSpace: "recall:limit:" } : {}),
    // Redis unreachable: let requests through rather than refuse every user (fail open).
    skipOnError: true,
  });
  return (name, rule) => {
    if (rule.max <= 0) return unlimited;
    const options = {
      max: rule.max,
      timeWindow: rule.windowMs,
      keyGenerator: (request: FastifyRequest) => `${name}:${(request as unknown as KeyedRequest).recallKey}`,
      // The in-process store keeps this many keys (least recently used dropped first).
      cache: 100_000,
    };
    const check = app.createRateLimit(options);
    return {
      async hit(key) {
        const request: KeyedRequest = { routeOptions: { config: {} }, recallKey: key };
        const result = await check(request as unknown as FastifyRequest);
        if (result.isAllowed || !result.isExceeded) return { allowed: true };
        return { allowed: false, retryAfterSeconds: Math.max(1, result.ttlInSeconds) };
      },
    };
  };
}
