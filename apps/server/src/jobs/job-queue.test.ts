import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "../testing/harness.ts";
import { BullJobQueue } from "./bullmq-job-queue.ts";
import { InProcessJobQueue } from "./in-process-job-queue.ts";
import type { JobLogger, JobQueue } from "./job-queue.ts";

/**
 * The job port's contract, run against both implementations: the in-process queue and BullMQ on
 * the machine's Redis (127.0.0.1:6379, a fresh key prefix per queue, removed afterwards).
 */
const redisUrl = "redis://127.0.0.1:6379";

class RecordingLogger implements JobLogger {
  readonly entries: Array<{ level: string; object: Record<string, unknown>; message: string | undefined }> = [];
  info(object: object, message?: string): void {
    this.entries.push({ level: "info", object: object as Record<string, unknown>, message });
  }
  warn(object: object, message?: string): void {
    this.entries.push({ level: "warn", object: object as Record<string, unknown>, message });
  }
  error(object: object, message?: string): void {
    this.entries.push({ level: "error", object: object as Record<string, unknown>, message });
  }
}

interface Made {
  jobs: JobQueue;
  logger: RecordingLogger;
  /** Begins running registered handlers (BullMQ workers start after registration). */
  start(): void;
}

/** Jobs BullMQ did not take (run by the fallback): none while Redis is up. */
function notQueued(logger: RecordingLogger): unknown[] {
  return logger.entries.filter((entry) => entry.message?.startsWith("job queue unreachable"));
}

const opened: Array<{ jobs: JobQueue; prefix: string | null }> = [];

afterEach(async () => {
  for (const { jobs, prefix } of opened.splice(0)) {
    await jobs.close();
    if (prefix) {
      const redis = new Redis(redisUrl);
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    }
  }
});

const implementations: Array<[string, () => Made]> = [
  [
    "in process",
    () => {
      const logger = new RecordingLogger();
      const jobs = new InProcessJobQueue({ attempts: 2, backoffMs: 20, logger });
      opened.push({ jobs, prefix: null });
      return { jobs, logger, start: () => {} };
    },
  ],
  [
    "BullMQ",
    () => {
      const logger = new RecordingLogger();
      const prefix = `recall-test-${randomUUID()}`;
      const jobs = new BullJobQueue({
        redisUrl,
        redisDatabase: 0,
        prefix,
        attempts: 2,
        backoffMs: 20,
        lockDurationMs: 2000,
        stalledIntervalMs: 1000,
        runWorkers: true,
        fallback: new InProcessJobQueue({ attempts: 1, backoffMs: 0, logger }),
        enqueueTimeoutMs: 2000,
        shutdownGraceMs: 2000,
        logger,
      });
      opened.push({ jobs, prefix });
      return { jobs, logger, start: () => jobs.startWorkers() };
    },
  ],
];

describe.each(implementations)("the job queue (%s)", (_name, make) => {
  it("runs a job id once however often it is enqueued while it waits or runs, and not again once done", async () => {
    const { jobs, logger, start } = make();
    const runs: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    jobs.register<{ value: string }>(
      "echo",
      async (payload) => {
        runs.push(payload.value);
        await gate;
      },
      { concurrency: 2 },
    );
    expect(await jobs.enqueue("echo", { value: "first" }, { jobId: "echo:a" })).toBe(true);
    expect(await jobs.enqueue("echo", { value: "again" }, { jobId: "echo:a" })).toBe(false);
    start();
    await waitFor(() => runs.length === 1);
    expect(await jobs.enqueue("echo", { value: "while running" }, { jobId: "echo:a" })).toBe(false);
    expect(await jobs.enqueue("echo", { value: "other" }, { jobId: "echo:b" })).toBe(true);
    await waitFor(() => runs.length === 2);
    release();
    await waitFor(async () => (await jobs.enqueue("echo", { value: "after" }, { jobId: "echo:a" })) === false && runs.length === 2);
    // Give a wrongly accepted duplicate time to run.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(runs.sort()).toEqual(["first", "other"]);
    expect(notQueued(logger)).toEqual([]);
  });

  it("retries a failed job once, and logs each failure by kind, id and error name, without its message", async () => {
    const { jobs, logger, start } = make();
    const attempts: number[] = [];
    jobs.register("flaky", async (_payload, context) => {
      attempts.push(context.attempt);
      if (context.attempt === 1) throw new Error("the model said something private");
    }, { concurrency: 1 });
    const failures: number[] = [];
    jobs.register("broken", async (_payload, context) => {
      failures.push(context.attempt);
      throw new TypeError("secret text of a user");
    }, { concurrency: 1 });
    start();
    await jobs.enqueue("flaky", {}, { jobId: "flaky:1" });
    await jobs.enqueue("broken", {}, { jobId: "broken:1" });
    await waitFor(() => attempts.length === 2 && failures.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(attempts).toEqual([1, 2]);
    expect(failures).toEqual([1, 2]);
    const logged = JSON.stringify(logger.entries);
    expect(logged).not.toContain("private");
    expect(logged).not.toContain("secret text");
    await waitFor(() => logger.entries.some((entry) => entry.message === "background job failed" && entry.object.jobId === "broken:1"));
    expect(logger.entries.find((entry) => entry.message === "background job failed" && entry.object.jobId === "broken:1")?.object).toMatchObject({ kind: "broken", error: { name: "TypeError" } });
    expect(logger.entries.filter((entry) => entry.object.jobId === "flaky:1").map((entry) => entry.message)).toEqual(["background job failed; retrying"]);
    expect(notQueued(logger)).toEqual([]);
  });

  it("says whether a job is pending: waiting or running yes; finished, failed or never added no", async () => {
    const { jobs, start } = make();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started = 0;
    jobs.register("held", async () => {
      started += 1;
      await gate;
    }, { concurrency: 1 });
    jobs.register("failing", async () => {
      throw new Error("down");
    }, { concurrency: 1 });
    expect(await jobs.isPending("held", "held:never")).toBe(false);
    await jobs.enqueue("held", {}, { jobId: "held:1" });
    expect(await jobs.isPending("held", "held:1")).toBe(true);
    start();
    await waitFor(() => started === 1);
    expect(await jobs.isPending("held", "held:1")).toBe(true);
    await jobs.enqueue("failing", {}, { jobId: "failing:1" });
    release();
    await waitFor(async () => (await jobs.isPending("held", "held:1")) === false);
    await waitFor(async () => (await jobs.isPending("failing", "failing:1")) === false, 5000);
  });

  it("lets a failed job's id be enqueued again (the next trigger's try)", async () => {
    const { jobs, start } = make();
    let runs = 0;
    jobs.register("once-broken", async () => {
      runs += 1;
      if (runs <= 2) throw new Error("down");
    }, { concurrency: 1 });
    start();
    await jobs.enqueue("once-broken", {}, { jobId: "again:1" });
    await waitFor(() => runs === 2);
    await waitFor(async () => (await jobs.enqueue("once-broken", {}, { jobId: "again:1" })) === true);
    await waitFor(() => runs === 3);
  });
});

describe("the BullMQ queue with Redis down", () => {
  it("runs an enqueued job on this instance instead, and says so in the log", async () => {
    const logger = new RecordingLogger();
    const fallback = new InProcessJobQueue({ attempts: 1, backoffMs: 0, logger });
    const jobs = new BullJobQueue({
      // Nothing listens on port 1.
      redisUrl: "redis://127.0.0.1:1",
      redisDatabase: 0,
      prefix: `recall-test-${randomUUID()}`,
      attempts: 2,
      backoffMs: 20,
      lockDurationMs: 2000,
      stalledIntervalMs: 1000,
      runWorkers: false,
      fallback,
      enqueueTimeoutMs: 500,
      shutdownGraceMs: 500,
      logger,
    });
    opened.push({ jobs, prefix: null });
    const ran: string[] = [];
    jobs.register<{ value: string }>("local", async (payload) => void ran.push(payload.value), { concurrency: 1 });
    const started = Date.now();
    expect(await jobs.enqueue("local", { value: "kept" }, { jobId: "local:1" })).toBe(true);
    expect(Date.now() - started).toBeLessThan(1500);
    await jobs.idle("local");
    expect(ran).toEqual(["kept"]);
    expect(logger.entries.some((entry) => entry.message === "job queue unreachable: running the job on this instance" && entry.object.jobId === "local:1")).toBe(true);
    // Whether a job is queued cannot be known without Redis: no answer rather than a wrong one.
    expect(await jobs.isPending("local", "local:2")).toBeNull();
  });
});
