import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "../testing/harness.ts";
import { startRedisProcess, type RedisProcess } from "../testing/redis-process.ts";
import { RedisCache } from "./redis-cache.ts";

let redis: RedisProcess | undefined;
let cache: RedisCache | undefined;
afterEach(async () => {
  await cache?.close();
  redis?.resume();
  await redis?.kill();
  cache = undefined;
  redis = undefined;
});

async function connected(): Promise<{ redis: RedisProcess; cache: RedisCache; direct: Redis }> {
  redis = await startRedisProcess();
  cache = new RedisCache({ url: redis.url, database: 3, fallbackEntries: 100, commandTimeoutMs: 200 });
  await waitFor(() => !cache!.stats().degraded && cache!.stats().backend === "redis");
  const direct = new Redis(redis.port, "127.0.0.1", { db: 3 });
  return { redis, cache, direct };
}

describe("RedisCache", () => {
  it("stores with a TTL in the configured database, and deletes by key and prefix", async () => {
    const { cache, direct } = await connected();
    await cache.set("conversation:u1:s1", "one", 60);
    expect(await direct.get("conversation:u1:s1")).toBe("one");
    expect(await direct.ttl("conversation:u1:s1")).toBeGreaterThan(50);
    expect(await cache.get("conversation:u1:s1")).toBe("one");
    await cache.set("conversation:u1:s2", "two", 60);
    await cache.set("conversation:u2:s1", "other user", 60);
    await cache.deleteByPrefix("conversation:u1:");
    expect(await direct.keys("*")).toEqual(["conversation:u2:s1"]);
    await cache.delete("conversation:u2:s1");
    expect(await cache.get("conversation:u2:s1")).toBeUndefined();
    direct.disconnect();
  });

  it("answers from memory until the first connection, then from Redis", async () => {
    redis = await startRedisProcess();
    cache = new RedisCache({ url: redis.url, database: 3, fallbackEntries: 100 });
    expect(cache.stats().degraded).toBe(true);
    await waitFor(() => !cache!.stats().degraded);
    await cache.set("conversation:u9:s9", "ready", 60);
    const direct = new Redis(redis.port, "127.0.0.1", { db: 3 });
    expect(await direct.get("conversation:u9:s9")).toBe("ready");
    direct.disconnect();
  });

  it("keeps answering from memory when Redis dies, and uses Redis again once it is back", async () => {
    const { redis, cache, direct } = await connected();
    direct.disconnect();
    await cache.set("conversation:u1:s1", "state", 60);
    await redis.kill();
    // No throw, no hang: a command caught mid-failure is a miss (the caller reads the database),
    // and once the loss is noticed the in-process copy answers.
    expect([undefined, "state"]).toContain(await cache.get("conversation:u1:s1"));
    await waitFor(() => cache.stats().degraded);
    expect(await cache.get("conversation:u1:s1")).toBe("state");
    await cache.set("conversation:u1:s2", "written while down", 60);
    expect(await cache.get("conversation:u1:s2")).toBe("written while down");
    await redis.restart();
    await waitFor(() => !cache.stats().degraded, 10_000);
    await cache.set("conversation:u1:s3", "after", 60);
    const again = new Redis(redis.port, "127.0.0.1", { db: 3 });
    expect(await again.get("conversation:u1:s3")).toBe("after");
    again.disconnect();
  });

  it("replays a delete that timed out, so it never serves what the database has since changed", async () => {
    const { redis, cache, direct } = await connected();
    await cache.set("conversation:u1:s1", "old", 60);
    redis.pause();
    await cache.delete("conversation:u1:s1");
    redis.resume();
    await waitFor(async () => (await direct.exists("conversation:u1:s1")) === 0, 5000);
    expect(cache.stats().errors).toBeGreaterThan(0);
    direct.disconnect();
  });
});
