/**
 * The scaled mode on loopback: PostgreSQL, a private Redis, the fake Ollama in its own process,
 * Recall instances sharing them (event logs in Redis Streams) and nginx from Debian's package in
 * front, all on this machine's cores with the client.
 *
 * 1. One instance, and two behind nginx, at 100 streams: what Recall adds to time to first token
 *    and per-token latency over calling the fake directly, and the instances' CPU.
 * 2. The most live streams at 50 tokens/s with per-token p99 under 50 ms (two instances, nginx).
 * 3. 1,000 replies asked at once from 100 users, most waiting in the model queue: all delivered,
 *    and how evenly the wait falls on users.
 * 4. 1,000 forced reconnects, each to the other instance, resuming from the last event id:
 *    gaps and duplicates counted against the reply's known text.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "@recall/db";
import { nginxSitePath, renderNginxSite, startNginx, startRedisProcess, type NginxProcess, type ServerProcess } from "@recall/server/testing";
import { anonymousToken, recallClient, updateReadmeSection, type RecallClient } from "./shared.ts";
import { cpuSeconds, startFakeOllamaProcess, startRecallProcess, stopProcess } from "./processes.ts";
import { formatMs, markdownTable, percentile } from "./stats.ts";
import { runDirect, streamingRun, tokenPattern, withTimeout, type LevelResult } from "./streaming-run.ts";

const postgresServer = process.env.RECALL_TEST_POSTGRES_SERVER?.trim() || "postgresql://postgres@127.0.0.1:5432";
const tokensPerSecond = 50;
const quick = process.env.BENCH_QUICK === "1";

interface Cluster {
  instances: ServerProcess[];
  nginx: NginxProcess | null;
  /** Where clients go: nginx when there is one, else the single instance. */
  entry: string;
  cpuSeconds(): number;
  stop(): Promise<void>;
}

async function createDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `recall_bench_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  const admin = await openDatabase({ url: `${postgresServer}/postgres`, migrate: false });
  await admin.prisma.$executeRawUnsafe(`CREATE DATABASE "${name}"`);
  const url = `${postgresServer}/${name}`;
  // Migrated here once, so instances starting together do not race to migrate.
  await (await openDatabase({ url })).close();
  return {
    url,
    async drop() {
      await admin.prisma.$executeRawUnsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.close();
    },
  };
}

async function startCluster(count: number, behindNginx: boolean, fakeUrl: string, environment: Record<string, string> = {}): Promise<Cluster> {
  const database = await createDatabase();
  const redis = await startRedisProcess();
  const shared = {
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    RECALL_EVENT_LOG: "redis",
    OLLAMA_URL: fakeUrl,
    RECALL_SECRET: randomBytes(24).toString("hex"),
    RECALL_DATA_DIR: mkdtempSync(join(tmpdir(), "recall-scale-")),
    RECALL_STREAM_FRAME_MS: "0",
    ...environment,
  };
  const instances: ServerProcess[] = [];
  let nginx: NginxProcess | null = null;
  const stop = async (): Promise<void> => {
    await nginx?.stop();
    await Promise.all(instances.map((instance) => instance.stop()));
    await redis.kill();
    await database.drop();
  };
  try {
    for (let index = 0; index < count; index += 1) instances.push(await startRecallProcess(shared));
  } catch (error) {
    await stop();
    throw error;
  }
  if (behindNginx) {
    const template = readFileSync(nginxSitePath, "utf8");
    // The benchmark's thousands of clients share one address: the shipped per-address cap (256) is lifted.
    const site = (port: number) => renderNginxSite(template, { port, upstreams: instances.map((instance) => new URL(instance.url).host) }).replace(/limit_conn recall_per_address \d+;/, "limit_conn recall_per_address 60000;");
    nginx = await startNginx(site, { workerConnections: 8192 }).catch(async (error: unknown) => {
      await stop();
      throw error;
    });
  }
  return {
    instances,
    nginx,
    entry: nginx?.url ?? instances[0]!.url,
    cpuSeconds: () => instances.reduce((sum, instance) => sum + cpuSeconds(instance.child.pid!), 0),
    stop,
  };
}

async function users(entry: string, count: number): Promise<RecallClient[]> {
  return Promise.all(Array.from({ length: count }, async () => recallClient(entry, await anonymousToken(entry))));
}

/** N streams through the cluster's entry, as the streaming benchmark runs them. */
async function measureStreams(cluster: Cluster, streams: number, collect: () => Promise<Record<string, number[]>>, rounds = 3): Promise<LevelResult> {
  const run = streamingRun({ tokensPerStream: 50, tokensPerSecond, roundsFor: () => rounds });
  const clients = await users(cluster.entry, Math.min(streams, 20));
  const sessions = await Promise.all(Array.from({ length: streams }, async (_, index) => {
    const client = clients[index % clients.length]!;
    return { client, sessionId: (await client.session.create.mutate({})).id };
  }));
  await Promise.all(sessions.slice(0, 10).map(({ client, sessionId }) => run.streamOnce(client, sessionId, "warm-up")));
  await collect();
  const before = cluster.cpuSeconds();
  const results = await run.runSlots(streams, (slot, round) => run.streamOnce(sessions[slot]!.client, sessions[slot]!.sessionId, `scale ${streams} ${slot} ${round}`));
  const used = cluster.cpuSeconds() - before;
  return { ...run.summarize(results, await collect()), cpuSecondsUsed: used };
}

/** 1,000 replies at once from 100 users (10 each), with few model slots: most wait in the queue. */
async function measureQueue(cluster: Cluster, replies: number, userCount: number): Promise<Record<string, number | string>> {
  const clients = await users(cluster.entry, userCount);
  const perUser = Math.ceil(replies / userCount);
  const waits = new Map<number, number[]>();
  let lost = 0;
  let queuedEvents = 0;
  let countedDown = 0;
  const startedAt = performance.now();
  await Promise.all(clients.map(async (client, userIndex) => {
    const sessions = await Promise.all(Array.from({ length: perUser }, async () => (await client.session.create.mutate({})).id));
    await Promise.all(sessions.map(async (session, index) => {
      const sentAt = performance.now();
      try {
        const { assistantMessage } = await client.message.send.mutate({ sessionId: session, content: `queue ${userIndex} ${index}` });
        let first: number | null = null;
        let lastAhead: number | null = null;
        let text = "";
        await withTimeout(new Promise<void>((resolve, reject) => {
          const subscription = client.message.stream.subscribe({ messageId: assistantMessage.id }, {
            onData({ data }) {
              const event = data as { type: string; text?: string; ahead?: number };
              if (event.type === "queued") {
                queuedEvents += 1;
                if (lastAhead !== null && event.ahead !== undefined && event.ahead < lastAhead) countedDown += 1;
                lastAhead = event.ahead ?? null;
                return;
              }
              if (event.type === "delta") {
                first ??= performance.now();
                text += event.text ?? "";
                return;
              }
              subscription.unsubscribe();
              if (event.type === "done") resolve();
              else reject(new Error(`ended ${event.type}`));
            },
            onError: reject,
          });
        }), `queue ${userIndex} ${index}`);
        if ((text.match(tokenPattern)?.length ?? 0) !== 50) lost += 1;
        const list = waits.get(userIndex) ?? [];
        list.push((first ?? performance.now()) - sentAt);
        waits.set(userIndex, list);
      } catch {
        lost += 1;
      }
    }));
  }));
  const all = [...waits.values()].flat();
  const means = [...waits.values()].map((list) => list.reduce((sum, value) => sum + value, 0) / list.length);
  const sum = means.reduce((total, value) => total + value, 0);
  const jain = (sum * sum) / (means.length * means.reduce((total, value) => total + value * value, 0));
  return {
    replies,
    delivered: all.length,
    lost,
    seconds: ((performance.now() - startedAt) / 1000).toFixed(1),
    waitP50: formatMs(percentile(all, 0.5)),
    waitP99: formatMs(percentile(all, 0.99)),
    fairness: jain.toFixed(3),
    slowestUserMean: formatMs(Math.max(...means)),
    fastestUserMean: formatMs(Math.min(...means)),
    queuedEvents,
    countedDown,
  };
}

/** Streams read in pieces: after every few tokens the reader drops and resumes on the other instance. */
async function measureReconnects(cluster: Cluster, reconnects: number): Promise<Record<string, number>> {
  const [first, second] = cluster.instances;
  const token = await anonymousToken(first!.url);
  const on = [recallClient(first!.url, token), recallClient(second!.url, token)];
  const perStream = 10;
  const streams = Math.ceil(reconnects / perStream);
  let gaps = 0;
  let duplicates = 0;
  let done = 0;
  let resumed = 0;
  let failed = 0;
  await Promise.all(Array.from({ length: streams }, async (_, index) => {
    const sessionId = (await on[0]!.session.create.mutate({})).id;
    const { assistantMessage } = await on[0]!.message.send.mutate({ sessionId, content: `reconnect ${index}` });
    let lastEventId: string | undefined;
    let text = "";
    let finished = false;
    for (let part = 0; !finished; part += 1) {
      const client = on[part % 2]!;
      if (part > 0) resumed += 1;
      try {
        await withTimeout(new Promise<void>((resolve, reject) => {
          let seen = 0;
          const subscription = client.message.stream.subscribe({ messageId: assistantMessage.id, ...(lastEventId ? { lastEventId } : {}) }, {
            onData({ id, data }) {
              lastEventId = id;
              if (data.type === "delta") {
                text += data.text;
                seen += 1;
                // Drop the connection after a few frames, until the reply's planned reconnects are used.
                if (seen >= 3 && part < perStream) {
                  subscription.unsubscribe();
                  resolve();
                }
                return;
              }
              if (data.type === "snapshot") text = data.content;
              subscription.unsubscribe();
              finished = true;
              resolve();
            },
            onError: reject,
          });
        }), `reconnect ${index}`);
      } catch {
        failed += 1;
        finished = true;
      }
    }
    const tokens = text.match(tokenPattern) ?? [];
    const expected = Array.from({ length: 300 }, (_, position) => ` t${position}`);
    const got = new Set(tokens);
    duplicates += tokens.length - got.size;
    gaps += expected.filter((token) => !got.has(token)).length;
    done += 1;
  }));
  return { streams, reconnects: resumed, completed: done, failed, gaps, duplicates };
}

function latencyRow(label: string, streams: number, direct: LevelResult, recall: LevelResult): Array<string | number> {
  const added = (fraction: number, select: (result: LevelResult) => number[]) => percentile(select(recall), fraction) - percentile(select(direct), fraction);
  const cpuMsPerReply = ((recall.cpuSecondsUsed ?? Number.NaN) * 1000) / recall.complete;
  return [
    label,
    streams,
    `**${formatMs(added(0.5, (result) => result.ttft))} / ${formatMs(added(0.99, (result) => result.ttft))}**`,
    `**${formatMs(added(0.5, (result) => result.tokenLatency))} / ${formatMs(added(0.99, (result) => result.tokenLatency))}**`,
    `${formatMs(percentile(recall.tokenLatency, 0.99))}`,
    cpuMsPerReply.toFixed(2),
    ((cpuMsPerReply * 1000) / 50).toFixed(0),
    `${recall.complete}/${recall.streams}`,
    recall.errors.length,
  ];
}

async function main(): Promise<void> {
  const fake = await startFakeOllamaProcess({ BENCH_TPS: String(tokensPerSecond), BENCH_TOKENS: "50" });
  const sections: string[] = [];
  const raw: Record<string, unknown> = {};
  try {
    // 1. One instance, and two behind nginx, at 100 streams.
    const direct = await runDirect(streamingRun({ tokensPerStream: 50, tokensPerSecond, roundsFor: () => 3 }), fake.url, 100, fake.collect);
    const rows: Array<Array<string | number>> = [];
    for (const [label, count, behind] of [["1 instance", 1, false], ["2 instances behind nginx", 2, true]] as const) {
      const cluster = await startCluster(count, behind, fake.url);
      try {
        const recall = await measureStreams(cluster, 100, fake.collect);
        rows.push(latencyRow(label, 100, direct, recall));
        raw[label] = { ...recall, ttft: undefined, tokenLatency: undefined };
        console.log(`${label}: done`);
      } finally {
        await cluster.stop();
      }
    }
    sections.push(markdownTable(["setup", "streams", "added TTFT p50 / p99 (ms)", "added per-token p50 / p99", "per-token p99 via Recall", "Recall CPU ms / reply (all instances)", "µs / token", "complete", "errors"], rows));

    // 2. The most live streams with per-token p99 under 50 ms.
    const capacity: Array<Array<string | number>> = [];
    const cluster = await startCluster(2, true, fake.url);
    let most = 0;
    try {
      for (const streams of quick ? [100, 200] : [100, 200, 300, 400, 500, 600, 800]) {
        const recall = await measureStreams(cluster, streams, fake.collect, 2);
        const p99 = percentile(recall.tokenLatency, 0.99);
        capacity.push([streams, formatMs(percentile(recall.tokenLatency, 0.5)), formatMs(p99), formatMs(percentile(recall.ttft, 0.99)), `${recall.complete}/${recall.streams}`, recall.errors.length]);
        console.log(`${streams} live streams: per-token p99 ${formatMs(p99)} ms`);
        if (p99 >= 50 || recall.errors.length > 0) break;
        most = streams;
      }
    } finally {
      await cluster.stop();
    }
    raw.capacity = capacity;
    sections.push(`The most live streams with per-token p99 under 50 ms (2 instances behind nginx, 50 tokens/s each): **${most}** (target: 300 per core, ${300 * (await import("node:os")).cpus().length} here).\n\n${markdownTable(["live streams", "per-token p50 (ms)", "per-token p99", "TTFT p99", "complete", "errors"], capacity)}`);
  } finally {
    fake.child.disconnect();
    await stopProcess(fake.child);
  }

  // 3. A full queue, and 4. reconnects: their own fakes (reply lengths differ).
  const queueFake = await startFakeOllamaProcess({ BENCH_TPS: String(tokensPerSecond), BENCH_TOKENS: "50" });
  try {
    const cluster = await startCluster(2, true, queueFake.url, { RECALL_LIMIT_GENERATIONS_PER_SERVER: "8", RECALL_LIMIT_GENERATION_QUEUE: "2000" });
    try {
      const queue = await measureQueue(cluster, quick ? 200 : 1000, quick ? 20 : 100);
      raw.queue = queue;
      sections.push(`${queue.replies} replies asked at once by ${quick ? 20 : 100} users (equal shares), 8 model slots per instance, 2 instances behind nginx: ${queue.delivered} delivered whole, ${queue.lost} lost, in ${queue.seconds} s. Wait for the first token p50 ${queue.waitP50} ms, p99 ${queue.waitP99} ms; users' mean waits from ${queue.fastestUserMean} to ${queue.slowestUserMean} ms (Jain's fairness index ${queue.fairness}, 1 = equal); ${queue.queuedEvents} queue-place events, ${queue.countedDown} of them a smaller place than the one before.`);
    } finally {
      await cluster.stop();
    }
  } finally {
    queueFake.child.disconnect();
    await stopProcess(queueFake.child);
  }
  const longFake = await startFakeOllamaProcess({ BENCH_TPS: String(tokensPerSecond), BENCH_TOKENS: "300" });
  try {
    const cluster = await startCluster(2, false, longFake.url);
    try {
      const reconnects = await measureReconnects(cluster, quick ? 200 : 1000);
      raw.reconnects = reconnects;
      sections.push(`${reconnects.reconnects} forced reconnects, each to the other instance with the last event id (${reconnects.streams} replies of 300 tokens, each read in 11 pieces): **${reconnects.gaps} tokens missing, ${reconnects.duplicates} duplicated**, ${reconnects.completed} replies read to the end, ${reconnects.failed} failed.`);
    } finally {
      await cluster.stop();
    }
  } finally {
    longFake.child.disconnect();
    await stopProcess(longFake.child);
  }

  const heading = `Scaled mode on loopback: PostgreSQL, Redis (event logs in Redis Streams), Recall instances, nginx ${"(Debian's package)"} and the fake Ollama, with the client on the same ${(await import("node:os")).cpus().length} cores; ${new Date().toISOString().slice(0, 10)}, Node ${process.version}. "Added" is the via-Recall percentile minus calling the fake directly. Recall CPU counts the instances only (not nginx, PostgreSQL or Redis).`;
  const output = `${heading}\n\n${sections.join("\n\n")}\n`;
  console.log(`\n${output}`);
  const resultsDir = new URL("./results/", import.meta.url).pathname;
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, "scale.md"), output);
  writeFileSync(join(resultsDir, "scale.json"), `${JSON.stringify(raw, null, 2)}\n`);
  if (!quick) updateReadmeSection("scale", output);
}

await main();
