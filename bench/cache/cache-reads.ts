/**
 * The conversation cache on its own: `get` (hit and miss) and `set` of a conversation's
 * memory state, in process (LruCache) and in Redis (RedisCache), exactly as the server
 * builds them.
 */
import { connect } from "node:net";
import type { ContextEpisode, ContextProfileFact } from "@recall/memory";
import { LruCache, RedisCache, type ServerCache } from "@recall/server/testing";
import { percentile } from "../stats.ts";

export interface OperationTimes {
  /** Microseconds per call, one call at a time. */
  getHit: number[];
  getMiss: number[];
  set: number[];
  /** Hit gets per second with `inFlight` of them outstanding at once. */
  concurrentGetsPerSecond: number;
}

export interface CacheReadResult extends OperationTimes {
  backend: string;
  valueBytes: number;
  /** Cache errors (timeouts, refused commands) during the measured part, and whether it ended degraded. */
  errors: number;
  degraded: boolean;
}

export const readSettings = {
  keys: 1000,
  warmupCalls: 3000,
  measuredCalls: 5000,
  inFlight: 1000,
  concurrentRounds: 20,
  ttlSeconds: 3600,
};

const sentences = [
  "She is moving from Porto to Lisbon in May and wants a flat near the river with a second bedroom for an office.",
  "Her budget is 1,400 euros a month, and she would rather pay more than commute over forty minutes.",
  "She works as a backend engineer on payment systems and mostly writes Go and TypeScript.",
  "She asked how to compare fixed and variable mortgage rates and decided to wait until autumn.",
  "Her sister Marta visits in June, so the move has to be finished by the end of May.",
  "She prefers short answers with a list of options and a recommendation at the end.",
  "She is learning Italian on weekday mornings and wants vocabulary drills about food and travel.",
  "The landlord of the current flat asked for two months' notice, which she gave on 3 March.",
];

function paragraph(count: number, offset: number): string {
  return Array.from({ length: count }, (_, index) => sentences[(index + offset) % sentences.length]).join(" ");
}

/** A conversation's memory state as the server caches it: a running summary, the last three episodes and a profile. */
export function conversationStateJson(seed: number): string {
  const episodes: ContextEpisode[] = Array.from({ length: 3 }, (_, index) => ({
    id: `episode-${seed}-${index}`,
    sessionId: `session-${seed}-${index}`,
    summary: paragraph(5, index + seed),
    facts: [sentences[(index + seed + 1) % sentences.length]!.split(",")[0]!, `Mentioned on day ${index + 1} of the move.`],
    createdAt: new Date(Date.UTC(2026, 2, 1 + index)),
  }));
  const profile: ContextProfileFact[] = [
    { id: `fact-${seed}-0`, kind: "name", value: "Ines" },
    { id: `fact-${seed}-1`, kind: "role", value: "backend engineer" },
    { id: `fact-${seed}-2`, kind: "location", value: "Porto" },
    { id: `fact-${seed}-3`, kind: "interest", value: "learning Italian" },
    { id: `fact-${seed}-4`, kind: "preference", value: "short answers with options" },
  ];
  const summary = { text: paragraph(10, seed), coveredMessageId: `message-${seed}-40`, coveredCount: 40 };
  return JSON.stringify({ summary, episodes, profile });
}

function microseconds(start: number): number {
  return (performance.now() - start) * 1000;
}

async function timeEach(calls: number, operation: (index: number) => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let index = 0; index < calls; index += 1) {
    const start = performance.now();
    await operation(index);
    times.push(microseconds(start));
  }
  return times;
}

/** RedisCache answers from memory until its connection is ready: wait until a get is a real Redis hit. */
async function waitForRedis(cache: ServerCache, key: string, value: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const before = cache.stats().hits;
    await cache.set(key, value, readSettings.ttlSeconds);
    await cache.get(key);
    // Hits while degraded come from the in-process fallback: only a connected hit counts.
    if (!cache.stats().degraded && cache.stats().hits > before) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("Redis did not become ready within 10 s");
}

export async function measureCache(backend: string, cache: ServerCache, keyPrefix: string): Promise<CacheReadResult> {
  const keys = Array.from({ length: readSettings.keys }, (_, index) => `${keyPrefix}conversation:user-${index}:session-${index}`);
  const values = keys.map((_, index) => conversationStateJson(index));
  const keyAt = (index: number): string => keys[index % keys.length]!;
  const valueAt = (index: number): string => values[index % values.length]!;
  if (cache.stats().backend === "redis") await waitForRedis(cache, keyAt(0), valueAt(0));

  // Warm-up: connections open, code paths compiled, every key present.
  await timeEach(readSettings.warmupCalls, (index) => cache.set(keyAt(index), valueAt(index), readSettings.ttlSeconds));
  await timeEach(readSettings.warmupCalls, (index) => cache.get(keyAt(index)));
  const errorsBefore = cache.stats().errors;

  const set = await timeEach(readSettings.measuredCalls, (index) => cache.set(keyAt(index), valueAt(index), readSettings.ttlSeconds));
  const getHit = await timeEach(readSettings.measuredCalls, async (index) => {
    if ((await cache.get(keyAt(index))) === undefined) throw new Error(`${backend}: ${keyAt(index)} missed after it was set`);
  });
  const getMiss = await timeEach(readSettings.measuredCalls, (index) => cache.get(`${keyPrefix}conversation:nobody:${index}`));
  const started = performance.now();
  for (let round = 0; round < readSettings.concurrentRounds; round += 1) {
    await Promise.all(keys.slice(0, readSettings.inFlight).map((key) => cache.get(key)));
  }
  const concurrentGetsPerSecond = (readSettings.concurrentRounds * Math.min(readSettings.inFlight, keys.length)) / ((performance.now() - started) / 1000);
  const stats = cache.stats();
  const valueBytes = values.reduce((sum, value) => sum + Buffer.byteLength(value), 0) / values.length;
  if (keyPrefix) await cache.deleteByPrefix(keyPrefix);
  return { backend, valueBytes, set, getHit, getMiss, concurrentGetsPerSecond, errors: stats.errors - errorsBefore, degraded: stats.degraded };
}

/** What every hit costs on top of the read, whichever backend served it. */
export function measureParse(): number[] {
  const value = conversationStateJson(0);
  for (let index = 0; index < readSettings.warmupCalls; index += 1) JSON.parse(value);
  return Array.from({ length: readSettings.measuredCalls }, () => {
    const start = performance.now();
    JSON.parse(value);
    return microseconds(start);
  });
}

export function isReachable(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host, timeout: 500 });
    const done = (reachable: boolean): void => {
      socket.destroy();
      resolve(reachable);
    };
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
    socket.once("timeout", () => done(false));
  });
}

export function newLruCache(): LruCache {
  return new LruCache(10_000);
}

export function newRedisCache(url: string, database: number): RedisCache {
  return new RedisCache({ url, database, fallbackEntries: 10_000 });
}

export function summarizeTimes(times: readonly number[]): { p50: number; p99: number } {
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99) };
}
