import { describe, expect, it } from "vitest";
import { LruCache } from "./memory-cache.ts";

describe("LruCache", () => {
  it("expires entries after their TTL", async () => {
    let now = 1_000;
    const cache = new LruCache(10, () => now);
    await cache.set("a", "1", 5);
    now += 4_999;
    expect(await cache.get("a")).toBe("1");
    now += 1;
    expect(await cache.get("a")).toBeUndefined();
  });

  it("drops the least recently used entry when full", async () => {
    const cache = new LruCache(2);
    await cache.set("a", "1", 60);
    await cache.set("b", "2", 60);
    await cache.get("a");
    await cache.set("c", "3", 60);
    expect(await cache.get("a")).toBe("1");
    expect(await cache.get("b")).toBeUndefined();
    expect(await cache.get("c")).toBe("3");
  });

  it("deletes by prefix and counts hits and misses", async () => {
    const cache = new LruCache(10);
    await cache.set("conversation:u1:a", "x", 60);
    await cache.set("conversation:u1:b", "y", 60);
    await cache.set("conversation:u2:a", "z", 60);
    await cache.deleteByPrefix("conversation:u1:");
    expect(await cache.get("conversation:u1:a")).toBeUndefined();
    expect(await cache.get("conversation:u2:a")).toBe("z");
    expect(cache.stats()).toMatchObject({ backend: "memory", hits: 1, misses: 1 });
  });
});
