/**
 * The reference design's load test. First the conversation cache alone, in process
 * (LruCache) against Redis (RedisCache); then many users building context at once
 * through the real server in its own process (SQLite, fake Ollama), with the cache in
 * process and in Redis.
 *
 * BENCH_CACHE_PARTS=reads,load and BENCH_CACHE_USERS=100,1000 run a subset (and leave
 * the README alone); BENCH_CACHE_ROUNDS sets the rounds of the warm rows.
 */
import { updateReadmeSection } from "./shared.ts";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { startRedisProcess, type RedisProcess } from "@recall/server/testing";
import { isReachable, measureCache, measureParse, newLruCache, newRedisCache, readSettings, summarizeTimes, type CacheReadResult } from "./cache/cache-reads.ts";
import { createUsers, recallClient, runLoad, warmUp, type BenchUser, type LoadResult } from "./cache/context-load.ts";
import { startFakeOllamaProcess, startRecallProcess, stopProcess } from "./processes.ts";
import { formatMs, markdownTable, percentile } from "./stats.ts";

const requestedParts = process.env.BENCH_CACHE_PARTS?.split(",").map((part) => part.trim());
const parts = new Set(requestedParts ?? ["reads", "load"]);
const levels = (process.env.BENCH_CACHE_USERS ?? "100,1000").split(",").map(Number);
/** Rounds of a warm row: more with few users, so percentiles rest on enough calls. */
const roundsFor = (users: number): number => Number(process.env.BENCH_CACHE_ROUNDS ?? (users <= 100 ? 10 : 3));
/** Finished exchanges in each user's chat before the load starts. */
const exchangesPerUser = Number(process.env.BENCH_CACHE_EXCHANGES ?? 3);
/** Users set up at once: more only queues behind the server's one core. */
const setupConcurrency = 100;
/** Streamed in a few pieces: per-token relaying would make the set-up, not the load, the slow part. */
const replyPieces = 4;
const replyText =
  "Good question. Pack light layers: mornings can be cool and afternoons warm, so a thin jacket, a sweater and comfortable walking shoes cover most days. " +
  "Bring a compact umbrella, sunscreen and a reusable water bottle. If you plan day trips, a small backpack helps, and book trains a few days ahead for the best fares. " +
  "Tell me your dates and I can check what the weather usually looks like then.";
const systemRedisPort = 6379;
const secret = "bench-secret-bench-secret-bench-secret";

const integer = (value: number): string => Math.round(value).toLocaleString("en-US");
const percent = (share: number): string => (Number.isFinite(share) ? `${(share * 100).toFixed(1)}%` : "n/a");
const range = (values: readonly number[]): string => {
  const low = integer(Math.min(...values));
  const high = integer(Math.max(...values));
  return low === high ? low : `${low}-${high}`;
};
const mebibytes = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);
const microseconds = (value: number): string => (value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0));
const pair = (times: readonly number[], format: (value: number) => string): string => {
  const { p50, p99 } = summarizeTimes(times);
  return `${format(p50)} / ${format(p99)}`;
};

async function measureReads(redis: RedisProcess): Promise<CacheReadResult[]> {
  const results = [await measureCache("in process (LruCache)", newLruCache(), "")];
  const throwaway = newRedisCache(redis.url, 0);
  try {
    results.push(await measureCache("Redis, own redis-server (RedisCache)", throwaway, ""));
  } finally {
    await throwaway.close();
  }
  if (await isReachable(systemRedisPort)) {
    // Someone else's Redis: a database of its own, keys under a prefix of ours, deleted afterwards.
    const system = newRedisCache(`redis://127.0.0.1:${systemRedisPort}`, 15);
    try {
      results.push(await measureCache(`Redis, 127.0.0.1:${systemRedisPort} database 15 (RedisCache)`, system, `recall-bench-${process.pid}:`));
    } finally {
      await system.close();
    }
  }
  return results;
}

function readsSection(results: readonly CacheReadResult[], parse: readonly number[]): string {
  const table = markdownTable(
    ["cache", "value (bytes)", "**get, hit: p50 / p99 (µs)**", "get, miss: p50 / p99", "set: p50 / p99", `hit gets/s, ${integer(readSettings.inFlight)} in flight`, "cache errors"],
    results.map((result) => [
      result.backend,
      integer(result.valueBytes),
      `**${pair(result.getHit, microseconds)}**`,
      pair(result.getMiss, microseconds),
      pair(result.set, microseconds),
      integer(result.concurrentGetsPerSecond),
      `${result.errors}${result.degraded ? " (degraded)" : ""}`,
    ]),
  );
  const notes =
    `One call at a time, ${integer(readSettings.measuredCalls)} of each after ${integer(readSettings.warmupCalls)} warm-up sets and gets, over ${integer(readSettings.keys)} keys ` +
    `\`conversation:{userId}:{sessionId}\`; each value is a conversation's memory state as the server caches it (a running summary, three episodes with facts, five profile facts). ` +
    `The caches are the server's own classes with its settings (Redis: 250 ms command timeout, no offline queue). ` +
    `Every hit then costs a JSON.parse of the state, whichever cache served it: ${pair(parse, microseconds)} µs (p50 / p99).`;
  return `Cache read, Redis vs in process:\n\n${table}\n\n${notes}`;
}

interface LoadRow {
  backend: string;
  label: string;
  result: LoadResult;
}

const observerLogin = "bench-observer";
const observerPassword = "bench observer password";

async function measureLoad(redis: RedisProcess): Promise<{ rows: LoadRow[]; setupSeconds: number; users: number }> {
  const fake = await startFakeOllamaProcess({ BENCH_TPS: "0", BENCH_TOKENS: String(replyPieces), BENCH_REPLY_TEXT: replyText });
  const dataDir = mkdtempSync(join(tmpdir(), "recall-bench-cache-"));
  const environment = {
    OLLAMA_URL: fake.url,
    RECALL_DATA_DIR: dataDir,
    DATABASE_URL: `file:${join(dataDir, "recall.db")}`,
    RECALL_SECRET: secret,
    // memory.stats is for admins: the observer signs up as this account.
    RECALL_ADMIN_USERS: observerLogin,
  };
  const userCount = Math.max(...levels);
  const rows: LoadRow[] = [];
  try {
    // One database for every row: each server starts on the same chats with a cold cache.
    const setupStarted = performance.now();
    const setupServer = await startRecallProcess(environment);
    let users: BenchUser[];
    try {
      // One extra user warms the server up without touching the measured users' cache entries.
      users = await createUsers(setupServer.url, userCount + 1, exchangesPerUser, setupConcurrency);
      // The warm-up user becomes the admin observer (signing up keeps its chat).
      await recallClient(setupServer.url, users.at(-1)!.token).auth.signUp.mutate({ login: observerLogin, password: observerPassword });
    } finally {
      await setupServer.stop();
    }
    const setupSeconds = (performance.now() - setupStarted) / 1000;
    const warmUser = users.pop()!;
    console.log(`set up ${users.length} users × ${exchangesPerUser} exchanges in ${setupSeconds.toFixed(1)} s`);

    const backends: Array<{ backend: string; extra: Record<string, string> }> = [
      { backend: "in process", extra: {} },
      { backend: "Redis", extra: { REDIS_URL: redis.url, RECALL_REDIS_DB: "1" } },
    ];
    for (const { backend, extra } of backends) {
      const server = await startRecallProcess({ ...environment, ...extra });
      const pid = server.child.pid!;
      try {
        const clients = users.map((user) => recallClient(server.url, user.token));
        const observerToken = (await recallClient(server.url, null).auth.token.mutate({ login: observerLogin, password: observerPassword })).accessToken;
        const observer = recallClient(server.url, observerToken);
        await warmUp(observer, warmUser);
        const cold = await runLoad(pid, observer, clients, users, 1);
        rows.push({ backend, label: `${integer(users.length)}, cold cache (first read)`, result: cold });
        report(backend, cold);
        for (const level of levels) {
          const result = await runLoad(pid, observer, clients.slice(0, level), users.slice(0, level), roundsFor(level));
          rows.push({ backend, label: integer(level), result });
          report(backend, result);
        }
      } finally {
        await server.stop();
      }
    }
    return { rows, setupSeconds, users: users.length };
  } finally {
    fake.child.disconnect();
    await stopProcess(fake.child);
  }
}

function report(backend: string, result: LoadResult): void {
  for (const error of result.errors.slice(0, 5)) console.error(`  ${error}`);
  console.log(`${backend}, ${result.users} users × ${result.rounds} rounds: ${result.contexts} contexts in ${result.seconds.toFixed(1)} s, ${result.errors.length} errors`);
}

function loadSection(load: { rows: LoadRow[]; setupSeconds: number; users: number }): string {
  const table = markdownTable(
    [
      "cache",
      "users",
      "rounds",
      "contexts",
      "**contexts/s**",
      "**latency p50 / p99 (ms)**",
      "errors",
      "cache hit share",
      "cache errors",
      "server CPU ms / context",
      "server RSS idle → peak (MiB)",
    ],
    load.rows.map(({ backend, label, result }) => [
      backend,
      label,
      result.rounds,
      integer(result.contexts),
      `**${integer(result.contexts / result.seconds)}**`,
      `**${formatMs(percentile(result.latencies, 0.5))} / ${formatMs(percentile(result.latencies, 0.99))}**`,
      result.errors.length,
      percent(result.cachedContexts / result.contexts),
      `${result.cacheErrors}${result.cacheDegraded ? " (degraded)" : ""}`,
      ((result.serverCpuSeconds * 1000) / Math.max(1, result.contexts)).toFixed(2),
      `${mebibytes(result.idleRssBytes)} → ${mebibytes(result.peakRssBytes)}`,
    ]),
  );
  const tokens = load.rows.map((row) => row.result.meanEstimatedTokens).filter(Number.isFinite);
  const notes =
    `Each of ${integer(load.users)} users has one chat with ${exchangesPerUser} finished exchanges (sent through message.send, replies of ${replyText.split(" ").length} words in ${replyPieces} pieces streamed to the end; ` +
    `set up ${setupConcurrency} users at a time in ${load.setupSeconds.toFixed(0)} s on a server of its own, so every row starts from the same database). ` +
    `In a round every user calls memory.buildContext at the same moment, each over its own HTTP request (tRPC httpLink, no batching); the next round starts when the last call returns. ` +
    `Each cache gets a fresh server process on that database: the first row reads a cold cache, the later rows the warm one. ` +
    `Contexts/s is all successful calls over the rows' wall time; latency is per call as the client saw it; the cache hit share is the share of contexts with metadata.cached; ` +
    `cache errors are the server's own count (memory.stats) of cache commands that failed or timed out and were answered from process memory. ` +
    `A Redis command that times out (250 ms) is answered from the instance's own in-process copy, so a Redis row with cache errors served part of its hits from process memory, not Redis. ` +
    `With every user calling at once, the p99 cannot be below about users / throughput: it measures the queue as much as the work. ` +
    `Contexts averaged ${range(tokens)} estimated tokens. The client runs on the same machine and shares its cores.`;
  return `${integer(load.users)} concurrent users building context over HTTP:\n\n${table}\n\n${notes}`;
}

async function main(): Promise<void> {
  const started = performance.now();
  const sections: string[] = [];
  const raw: Record<string, unknown> = { date: new Date().toISOString(), node: process.version, cores: cpus().length };
  const redis = await startRedisProcess();
  try {
    if (parts.has("reads")) {
      const reads = await measureReads(redis);
      const parse = measureParse();
      sections.push(readsSection(reads, parse));
      raw.reads = {
        settings: readSettings,
        parseMicroseconds: summarizeTimes(parse),
        results: reads.map(({ getHit, getMiss, set, ...rest }) => ({ ...rest, getHit: summarizeTimes(getHit), getMiss: summarizeTimes(getMiss), set: summarizeTimes(set) })),
      };
    }
    if (parts.has("load")) {
      const load = await measureLoad(redis);
      sections.push(loadSection(load));
      raw.load = {
        users: load.users,
        exchangesPerUser,
        setupSeconds: load.setupSeconds,
        rows: load.rows.map(({ backend, label, result: { latencies, errors, ...rest } }) => ({
          backend,
          label,
          ...rest,
          latencyMs: { p50: percentile(latencies, 0.5), p90: percentile(latencies, 0.9), p99: percentile(latencies, 0.99), max: percentile(latencies, 1) },
          errors: errors.slice(0, 20),
          errorCount: errors.length,
        })),
      };
    }
  } finally {
    await redis.kill();
  }

  const output = `Cache and concurrent context building; ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, Node ${process.version}.\n\n${sections.join("\n\n")}\n`;
  console.log(`\n${output}`);
  console.log(`total: ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const resultsDir = new URL("./results/", import.meta.url).pathname;
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, "cache.md"), output);
  writeFileSync(join(resultsDir, "cache.json"), `${JSON.stringify(raw, null, 2)}\n`);
  if (requestedParts === undefined && !process.env.BENCH_CACHE_USERS && !process.env.BENCH_CACHE_ROUNDS && !process.env.BENCH_CACHE_EXCHANGES) updateReadmeSection("cache", output);
}


await main();
