import { describe, expect, it, vi } from "vitest";
import { LruCache } from "../cache/memory-cache.ts";
import { ConversationStateCache, type ConversationState } from "./conversation-state.ts";
import { parseFacts } from "./episodes.ts";

const state: ConversationState = {
  summary: { text: "The user plans a trip.", coveredMessageId: "m4", coveredCount: 4 },
  episodes: [{ id: "e1", sessionId: "s0", summary: "Trams in Lisbon.", facts: ["Likes trams"], createdAt: new Date("2026-03-14T10:00:00.000Z") }],
  profile: [{ id: "f1", kind: "name", value: "Marta" }],
};

function cacheWithLoaders() {
  const cache = new LruCache(100);
  const loaders = { summary: vi.fn(async () => state.summary), episodes: vi.fn(async () => state.episodes), profile: vi.fn(async () => state.profile) };
  return { cache, loaders, conversations: new ConversationStateCache(cache, 60, loaders) };
}

describe("the cached conversation state", () => {
  it("round-trips through the cache, dates included", async () => {
    const { conversations, loaders } = cacheWithLoaders();
    expect(await conversations.get("u1", "s1")).toEqual({ state, cached: false });
    const again = await conversations.get("u1", "s1");
    expect(again).toEqual({ state, cached: true });
    expect(again.state.episodes[0]?.createdAt).toBeInstanceOf(Date);
    expect(loaders.summary).toHaveBeenCalledTimes(1);
  });

  it("treats a corrupt or foreign entry as a miss and rebuilds it from the database", async () => {
    const { cache, conversations, loaders } = cacheWithLoaders();
    const key = ConversationStateCache.key("u1", "s1");
    const corrupt = [
      "{not json",
      "null",
      JSON.stringify({ summary: null, episodes: "none", profile: [] }),
      JSON.stringify({ ...state, episodes: [{ ...state.episodes[0], createdAt: "yesterday" }] }),
      JSON.stringify({ ...state, profile: [{ id: 1, kind: "name" }] }),
    ];
    for (const entry of corrupt) {
      await cache.set(key, entry, 60);
      expect(await conversations.get("u1", "s1")).toEqual({ state, cached: false });
    }
    expect(loaders.episodes).toHaveBeenCalledTimes(corrupt.length);
  });
});

describe("an episode's stored facts", () => {
  it("read as a list of strings, and anything else as none", () => {
    expect(parseFacts(JSON.stringify(["Flies on March 14", "Likes trams"]))).toEqual(["Flies on March 14", "Likes trams"]);
    expect(parseFacts("[]")).toEqual([]);
    expect(parseFacts("{broken")).toEqual([]);
    expect(parseFacts(JSON.stringify({ facts: ["x"] }))).toEqual([]);
    expect(parseFacts(JSON.stringify(["ok", 3]))).toEqual([]);
  });
});
