import { randomUUID } from "node:crypto";
import type { ChatRequestInfo } from "@recall/fake-ollama";
import { summaryInstructions } from "@recall/memory";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectStream, startHarness, waitFor, type Harness, type RecallClient } from "../testing/harness.ts";
import { startRedisProcess, type RedisProcess } from "../testing/redis-process.ts";
import { startWorkerProcess, type WorkerProcess } from "../testing/worker-process.ts";

/**
 * The scaled mode's jobs end to end: a server with RECALL_JOBS=queue only enqueues; the real
 * `src/worker.ts` in its own process writes the summaries and ingests the documents, against
 * the same database, a private redis-server and the fake Ollama. A worker killed mid-job:
 * another takes the job up, it runs once more, and its result exists once.
 */
let redis: RedisProcess;
let harness: Harness;
let client: RecallClient;
const workers: WorkerProcess[] = [];
const prefix = `recall-test-${randomUUID()}`;
/** Summary requests the fake received, by the chat they summarize (its first user message). */
const summaryCalls: string[] = [];
let slowNextSummaryMs = 0;

const isSummaryRequest = (request: ChatRequestInfo): boolean => request.messages[0]?.content === summaryInstructions;
const chatSettings = { bufferMessages: 4, summaryEveryMessages: 6, summaryFirstAfterMessages: 6, summaryDueShare: 0 };
const jobSettings = { lockDurationMs: 1500, stalledIntervalMs: 500, retryDelayMs: 100 };

function workerEnvironment(): Record<string, string> {
  return {
    DATABASE_URL: harness.config.databaseUrl,
    OLLAMA_URL: harness.fake.url,
    REDIS_URL: redis.url,
    RECALL_DATA_DIR: harness.config.dataDir,
    RECALL_JOBS: "queue",
    RECALL_JOBS_PREFIX: prefix,
    RECALL_JOBS_LOCK_MS: String(jobSettings.lockDurationMs),
    RECALL_JOBS_STALLED_CHECK_MS: String(jobSettings.stalledIntervalMs),
    RECALL_JOBS_RETRY_DELAY_MS: String(jobSettings.retryDelayMs),
    RECALL_BUFFER_MESSAGES: String(chatSettings.bufferMessages),
    RECALL_SUMMARY_EVERY_MESSAGES: String(chatSettings.summaryEveryMessages),
    RECALL_SUMMARY_FIRST_AFTER_MESSAGES: String(chatSettings.summaryFirstAfterMessages),
    RECALL_SUMMARY_DUE_SHARE: String(chatSettings.summaryDueShare),
  };
}

async function startWorker(): Promise<WorkerProcess> {
  const worker = await startWorkerProcess(workerEnvironment());
  workers.push(worker);
  return worker;
}

beforeAll(async () => {
  redis = await startRedisProcess();
  harness = await startHarness({
    fake: {
      reply: (request) => {
        if (!isSummaryRequest(request)) return undefined;
        summaryCalls.push(request.messages.map((message) => message.content).join("\n"));
        const latency = slowNextSummaryMs;
        slowNextSummaryMs = 0;
        return { text: "The user is planning a trip to Lisbon and asked about trams.", ...(latency > 0 ? { firstTokenLatencyMs: latency } : {}) };
      },
    },
    config: {
      ...chatSettings,
      redisUrl: redis.url,
      jobs: { mode: "queue", prefix, ...jobSettings, workerConcurrency: 2, workerHealthPort: null },
    },
  });
  client = (await harness.newUser()).client;
}, 60_000);

afterAll(async () => {
  for (const worker of workers) await worker.kill();
  await harness?.close();
  await redis?.kill();
});

/** Five exchanges: six messages have left the working buffer of four, so the first summary is due. */
async function chatLongEnoughToSummarize(topic: string): Promise<string> {
  const session = await client.session.create.mutate({});
  for (let turn = 1; turn <= 5; turn += 1) {
    const { assistantMessage } = await client.message.send.mutate({ sessionId: session.id, content: `${topic}, question ${turn}` });
    await collectStream(client, assistantMessage.id);
  }
  return session.id;
}

const summaryRows = (sessionId: string) => harness.database.prisma.sessionSummary.findMany({ where: { sessionId } });
const callsAbout = (topic: string) => summaryCalls.filter((call) => call.includes(topic)).length;

describe("jobs on BullMQ with a worker process", () => {
  it("has the worker, not the server, write a long chat's summary", async () => {
    await startWorker();
    const sessionId = await chatLongEnoughToSummarize("Lisbon trams");
    const [row] = await waitFor(async () => {
      const rows = await summaryRows(sessionId);
      return rows.length > 0 ? rows : null;
    }, 20_000);
    expect(row).toMatchObject({ coveredCount: 6 });
    expect(callsAbout("Lisbon trams")).toBe(1);
    // The server only enqueued: its own summary service never ran one.
    expect(harness.recall.services.summaries.stats.runs).toBe(0);
    const thread = await client.message.thread.query({ sessionId });
    expect(thread.messages).toHaveLength(10);
  }, 60_000);

  it("has the worker ingest an uploaded document", async () => {
    const session = await client.session.create.mutate({});
    const data = new FormData();
    data.append("file", new File([new TextEncoder().encode("# Pumps\n\nThe pump pressure held at 42 bar for the whole hour.\n")], "pumps.md"));
    data.append("sessionId", session.id);
    const uploaded = await client.document.upload.mutate(data);
    const document = await waitFor(async () => {
      const current = await client.document.get.query({ documentId: uploaded.id });
      return current.state === "processing" ? null : current;
    }, 20_000);
    expect(document.state).toBe("ready");
    expect(await harness.database.prisma.documentChunk.count({ where: { documentId: uploaded.id } })).toBeGreaterThan(0);
    expect(workers.some((worker) => worker.logs.some((entry) => entry.msg === "background job failed"))).toBe(false);
  }, 60_000);

  it("retries a job whose worker was killed mid-job once, on another worker, and writes its result once", async () => {
    // The summary call hangs long enough for the kill to land while the worker waits on the model.
    slowNextSummaryMs = 8000;
    const before = callsAbout("Porto food");
    const sessionId = await chatLongEnoughToSummarize("Porto food");
    await waitFor(() => callsAbout("Porto food") === before + 1, 20_000);
    const [first] = workers;
    await first!.kill();
    expect(await summaryRows(sessionId)).toHaveLength(0);

    const second = await startWorker();
    const [row] = await waitFor(async () => {
      const rows = await summaryRows(sessionId);
      return rows.length > 0 ? rows : null;
    }, 20_000);
    // Long enough for a wrongly doubled run to show.
    await new Promise((resolve) => setTimeout(resolve, jobSettings.lockDurationMs * 2));
    expect(await summaryRows(sessionId)).toHaveLength(1);
    expect(row).toMatchObject({ coveredCount: 6 });
    expect(callsAbout("Porto food")).toBe(before + 2);
    expect(second.logs.some((entry) => entry.msg === "background job stalled (its worker stopped); queued again")).toBe(true);
  }, 90_000);
});
