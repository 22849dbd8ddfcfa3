import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, type TestDatabase } from "@recall/db/testing";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { UserStore } from "../account/user-store.ts";
import { BullJobQueue } from "../jobs/bullmq-job-queue.ts";
import { InProcessJobQueue } from "../jobs/in-process-job-queue.ts";
import { jobId, type JobLogger } from "../jobs/job-queue.ts";
import { waitFor } from "../testing/harness.ts";
import { startWorkerProcess, type WorkerProcess } from "../testing/worker-process.ts";
import { LostIngestionSweep, lostIngestionMessage } from "./lost-ingestion-sweep.ts";
import { SavedDocumentStore } from "./saved-document-store.ts";

/**
 * Documents whose ingest job Redis lost: on the machine's Redis (127.0.0.1:6379, a fresh key
 * prefix per queue, removed afterwards) and a SQLite database. Through the job port directly,
 * then with the real worker process, which sweeps on its own.
 */
const redisUrl = "redis://127.0.0.1:6379";
const quiet: JobLogger = { info() {}, warn() {}, error() {} };
let database: TestDatabase;
let store: SavedDocumentStore;
let userId: string;
const prefixes: string[] = [];
const closing: Array<() => Promise<void>> = [];

beforeAll(async () => {
  database = await createTestDatabase();
  store = new SavedDocumentStore(database.prisma);
  userId = await new UserStore(database.prisma).createUser();
});

afterEach(async () => {
  for (const close of closing.splice(0)) await close();
});

afterAll(async () => {
  const redis = new Redis(redisUrl);
  for (const prefix of prefixes) {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  redis.disconnect();
  await database?.close();
});

/** A saved document processing whose last change was `ageMs` ago. */
async function processingDocument(ageMs: number): Promise<string> {
  const record = await store.create({ userId, sessionId: null, name: "report.pdf", sizeBytes: 1000 });
  await database.prisma.document.update({ where: { id: record.id }, data: { updatedAt: new Date(Date.now() - ageMs) } });
  return record.id;
}

function serverQueue(url = redisUrl): BullJobQueue {
  const prefix = `recall-test-${randomUUID()}`;
  prefixes.push(prefix);
  const jobs = new BullJobQueue({
    redisUrl: url,
    redisDatabase: 0,
    prefix,
    attempts: 2,
    backoffMs: 20,
    lockDurationMs: 2000,
    stalledIntervalMs: 1000,
    // A server's queue: jobs wait for a worker that is not there.
    runWorkers: false,
    fallback: new InProcessJobQueue({ attempts: 1, backoffMs: 0, logger: quiet }),
    enqueueTimeoutMs: 500,
    shutdownGraceMs: 500,
    logger: quiet,
  });
  jobs.register("ingest", async () => {}, { concurrency: 1, keepCompleted: false });
  closing.push(() => jobs.close());
  return jobs;
}

const stateOf = async (documentId: string) => database.prisma.document.findUniqueOrThrow({ where: { id: documentId }, select: { state: true, errorCode: true, errorMessage: true } });

describe("the lost-ingestion sweep", () => {
  it("fails a stale processing document whose job is gone, and leaves one whose job waits, a fresh one and a finished one", async () => {
    const jobs = serverQueue();
    const lost = await processingDocument(10 * 60_000);
    const waiting = await processingDocument(10 * 60_000);
    const fresh = await processingDocument(1000);
    const ready = await processingDocument(10 * 60_000);
    await store.markReady(ready);
    await database.prisma.document.update({ where: { id: ready }, data: { updatedAt: new Date(Date.now() - 10 * 60_000) } });
    expect(await jobs.enqueue("ingest", { documentId: waiting }, { jobId: jobId("ingest", waiting) })).toBe(true);

    const sweep = new LostIngestionSweep(store, jobs, quiet, { staleAfterMs: 60_000, everyMs: 60_000 });
    expect(await sweep.sweep()).toBe(1);
    expect(await stateOf(lost)).toEqual({ state: "failed", errorCode: "corrupt", errorMessage: lostIngestionMessage });
    expect((await store.get(userId, lost))?.error).toEqual({ code: "corrupt", message: lostIngestionMessage });
    for (const kept of [waiting, fresh]) expect((await stateOf(kept)).state).toBe("processing");
    expect((await stateOf(ready)).state).toBe("ready");
    // Idempotent: a second round (or another worker's) changes nothing.
    expect(await sweep.sweep()).toBe(0);
    for (const kept of [waiting, fresh]) await store.markFailed(kept, "corrupt", "cleaned up by the test");
  });

  it("fails nothing while the queue cannot say whether a job waits (Redis unreachable)", async () => {
    const jobs = serverQueue("redis://127.0.0.1:1");
    const stale = await processingDocument(10 * 60_000);
    const sweep = new LostIngestionSweep(store, jobs, quiet, { staleAfterMs: 60_000, everyMs: 60_000 });
    expect(await sweep.sweep()).toBe(0);
    expect((await stateOf(stale)).state).toBe("processing");
    await store.markFailed(stale, "corrupt", "cleaned up by the test");
  });

  it("runs in the worker process: a document left processing with no job is failed within a few job locks", async () => {
    const prefix = `recall-test-${randomUUID()}`;
    prefixes.push(prefix);
    const lost = await processingDocument(0);
    let worker: WorkerProcess | null = null;
    closing.push(async () => void (await worker?.kill()));
    worker = await startWorkerProcess({
      DATABASE_URL: database.url,
      // Never called: no job runs.
      OLLAMA_URL: "http://127.0.0.1:1",
      REDIS_URL: redisUrl,
      RECALL_DATA_DIR: mkdtempSync(join(tmpdir(), "recall-sweep-")),
      RECALL_JOBS: "queue",
      RECALL_JOBS_PREFIX: prefix,
      RECALL_JOBS_LOCK_MS: "500",
      RECALL_JOBS_STALLED_CHECK_MS: "500",
    });
    // Three locks (1.5 s) without progress, then the next round (every second) fails it.
    const startedAt = Date.now();
    await waitFor(async () => (await stateOf(lost)).state === "failed", 10_000);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1000);
    expect(await stateOf(lost)).toEqual({ state: "failed", errorCode: "corrupt", errorMessage: lostIngestionMessage });
    // The worker logs after it writes the row: its line may arrive a moment later.
    await waitFor(() => worker.logs.some((entry) => entry.msg === "documents whose ingestion job was lost were marked failed" && entry.count === 1), 10_000);
  }, 60_000);
});
