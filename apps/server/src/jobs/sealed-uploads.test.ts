import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateMasterKey } from "../crypto/master-keys.ts";
import { startHarness, waitFor, type Harness } from "../testing/harness.ts";
import { startRedisProcess, type RedisProcess } from "../testing/redis-process.ts";
import { startWorkerProcess, type WorkerProcess } from "../testing/worker-process.ts";

/**
 * An upload's bytes wait in Redis (the BullMQ job's data) until a worker takes them. With
 * encryption at rest on they are sealed under the owner's data key, so Redis never holds the
 * file in the clear; the worker, with the same keys, opens and ingests them. Without keys the
 * payload is the base64 it always was.
 */
let redis: RedisProcess;
let reader: Redis;
const harnesses: Harness[] = [];
let worker: WorkerProcess | null = null;
const masterKeys = `1:${generateMasterKey()}`;
const canary = `canary-${randomUUID()}`;
const fileText = `# Valve log\n\nThe relief valve ${canary} opened at 7 bar during the night shift.\n`;
const fileBytes = new TextEncoder().encode(fileText);
const jobSettings = { lockDurationMs: 1500, stalledIntervalMs: 500, retryDelayMs: 100 };

beforeAll(async () => {
  redis = await startRedisProcess();
  reader = new Redis(redis.url);
}, 60_000);

afterAll(async () => {
  await worker?.kill();
  for (const harness of harnesses) await harness.close();
  reader?.disconnect();
  await redis?.kill();
});

async function scaledServer(prefix: string, encryptionKeys: string | null): Promise<Harness> {
  const harness = await startHarness({
    config: { redisUrl: redis.url, encryptionKeys, jobs: { mode: "queue", prefix, ...jobSettings, workerConcurrency: 2, workerHealthPort: null } },
  });
  harnesses.push(harness);
  return harness;
}

async function upload(harness: Harness): Promise<{ documentId: string; client: Awaited<ReturnType<Harness["newUser"]>>["client"] }> {
  const { client } = await harness.newUser();
  const session = await client.session.create.mutate({});
  const data = new FormData();
  data.append("file", new File([fileBytes], "valves.md"));
  data.append("sessionId", session.id);
  const document = await client.document.upload.mutate(data);
  return { documentId: document.id, client };
}

/** Every string value under the queue's prefix, as Redis holds it (hashes, lists, sets, strings). */
async function everythingUnder(prefix: string): Promise<string[]> {
  const values: string[] = [];
  for (const key of await reader.keys(`${prefix}:*`)) {
    const type = await reader.type(key);
    if (type === "hash") values.push(...Object.values(await reader.hgetall(key)));
    else if (type === "list") values.push(...(await reader.lrange(key, 0, -1)));
    else if (type === "string") values.push((await reader.get(key)) ?? "");
    else if (type === "zset" || type === "set") values.push(...(type === "set" ? await reader.smembers(key) : await reader.zrange(key, 0, -1)));
    values.push(key);
  }
  return values;
}

async function ingestJobData(prefix: string, documentId: string): Promise<{ userId: string; documentId: string; bytes: string }> {
  const data = await reader.hget(`${prefix}:ingest:ingest.${documentId}`, "data");
  expect(data).not.toBeNull();
  return JSON.parse(data!) as { userId: string; documentId: string; bytes: string };
}

async function swapJobBytes(prefix: string, documentId: string, bytes: string): Promise<void> {
  const job = await ingestJobData(prefix, documentId);
  await reader.hset(`${prefix}:ingest:ingest.${documentId}`, "data", JSON.stringify({ ...job, bytes }));
}

describe("an upload's bytes in its queued job", () => {
  it("with encryption on: Redis holds them sealed under the owner's key, never in the clear, and the worker still ingests them", async () => {
    const prefix = `sealed-${randomUUID()}`;
    const harness = await scaledServer(prefix, masterKeys);
    // No worker yet: the job waits in Redis, where an operator (or an intruder) could read it.
    const { documentId, client } = await upload(harness);
    const job = await ingestJobData(prefix, documentId);
    expect(job.documentId).toBe(documentId);
    expect(job.bytes).toMatch(/^rc1\.1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const stored = (await everythingUnder(prefix)).join("\n");
    expect(stored).toContain(documentId);
    expect(stored).not.toContain(canary);
    expect(stored).not.toContain(Buffer.from(fileBytes).toString("base64"));
    expect(stored).not.toContain(Buffer.from(fileBytes).toString("base64url"));
    // Whatever offset a base64 copy of the canary would start at.
    for (let shift = 0; shift < 3; shift += 1) expect(stored).not.toContain(Buffer.from(`${"x".repeat(shift)}${canary}`).toString("base64").slice(8, 40));
    // Two more uploads whose sealed bytes are swapped in Redis: bound to their own document, neither opens.
    const [second, third] = [await upload(harness), await upload(harness)];
    const [secondBytes, thirdBytes] = [(await ingestJobData(prefix, second.documentId)).bytes, (await ingestJobData(prefix, third.documentId)).bytes];
    await swapJobBytes(prefix, second.documentId, thirdBytes);
    await swapJobBytes(prefix, third.documentId, secondBytes);

    worker = await startWorkerProcess({
      DATABASE_URL: harness.config.databaseUrl,
      OLLAMA_URL: harness.fake.url,
      REDIS_URL: redis.url,
      RECALL_DATA_DIR: harness.config.dataDir,
      RECALL_ENCRYPTION_KEYS: masterKeys,
      RECALL_JOBS: "queue",
      RECALL_JOBS_PREFIX: prefix,
      RECALL_JOBS_LOCK_MS: String(jobSettings.lockDurationMs),
      RECALL_JOBS_STALLED_CHECK_MS: String(jobSettings.stalledIntervalMs),
      RECALL_JOBS_RETRY_DELAY_MS: String(jobSettings.retryDelayMs),
    });
    const document = await waitFor(async () => {
      const current = await client.document.get.query({ documentId });
      return current.state === "processing" ? null : current;
    }, 20_000);
    expect(document.state).toBe("ready");
    const text = await client.document.text.query({ documentId });
    expect(text.pages.map((page) => page.text).join("\n")).toContain(canary);
    // Stored encrypted as ever, and the finished job left nothing behind in Redis.
    const chunks = await harness.database.prisma.documentChunk.findMany({ where: { documentId } });
    expect(chunks.length).toBeGreaterThan(0);
    for (const chunk of chunks) expect(chunk.text).not.toContain(canary);
    expect((await everythingUnder(prefix)).join("\n")).not.toContain(canary);
    expect(worker.logs.some((entry) => entry.msg === "background job failed")).toBe(false);
    for (const moved of [second, third]) {
      const failed = await waitFor(async () => {
        const current = await moved.client.document.get.query({ documentId: moved.documentId });
        return current.state === "processing" ? null : current;
      }, 20_000);
      expect(failed).toMatchObject({ state: "failed", error: { message: "Processing was interrupted; upload the file again." } });
    }
    // The worker logs after it writes the state: its lines may arrive a moment after the rows change.
    const undecrypted = () => worker!.logs.filter((entry) => entry.msg === "an upload's job could not be decrypted; the document is marked failed");
    await waitFor(() => undecrypted().length >= 2, 10_000);
    expect(undecrypted().map((entry) => entry.error)).toEqual([
      { name: "DecryptionError" },
      { name: "DecryptionError" },
    ]);
  }, 90_000);

  it("with encryption off: the payload is the upload's base64, as before", async () => {
    const prefix = `plain-${randomUUID()}`;
    const harness = await scaledServer(prefix, null);
    const { documentId } = await upload(harness);
    const job = await ingestJobData(prefix, documentId);
    expect(job.bytes).toBe(Buffer.from(fileBytes).toString("base64"));
    expect(Buffer.from(job.bytes, "base64").toString("utf8")).toContain(canary);
  }, 60_000);
});
