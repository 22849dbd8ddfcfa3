import { Queue, Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import { describeError } from "../errors.ts";
import type { InProcessJobQueue } from "./in-process-job-queue.ts";
import type { JobHandler, JobKindOptions, JobLogger, JobQueue } from "./job-queue.ts";

export interface BullJobQueueOptions {
  redisUrl: string;
  redisDatabase: number;
  /** Namespaces every key of the queues (several deployments, or tests, on one Redis). */
  prefix: string;
  /** Runs per job: 2, so a failure or a worker killed mid-job is retried once. */
  attempts: number;
  backoffMs: number;
  /** A worker that stops renewing its lock (killed) loses its job after this long... */
  lockDurationMs: number;
  /** ...and a live worker looks for such jobs this often, and puts them back in the queue. */
  stalledIntervalMs: number;
  /** True in `worker.ts`: registered kinds get BullMQ workers here. Servers only enqueue. */
  runWorkers: boolean;
  /** Where a job goes when Redis does not take it (down, or slower than `enqueueTimeoutMs`). */
  fallback: InProcessJobQueue;
  enqueueTimeoutMs: number;
  /** How long `close()` lets running jobs finish before handing them back to the queue. */
  shutdownGraceMs: number;
  logger: JobLogger;
}

interface Kind {
  queue: Queue;
  options: JobKindOptions;
}

/** BullMQ's states of a job that will still run (`getJobState`; "unknown" is no such job). */
const pendingStates = new Set<string>(["waiting", "active", "delayed", "prioritized", "waiting-children"]);

/** How long a finished job's id blocks the same work (the in-process queue keeps them as long). */
const keepCompleted = { age: 60 * 60, count: 10_000 };

/**
 * Jobs on BullMQ (`RECALL_JOBS=queue`): servers enqueue, `worker.ts` processes runs them. One
 * queue per kind, so each kind keeps its own concurrency. The job id is BullMQ's job id: adding
 * one that waits, runs, waits for its retry or finished within the hour adds nothing.
 *
 * Redis is a bus, never the only copy of the user's data: every handler works from the database,
 * and when Redis does not take a job the job runs on this instance instead (logged), as in the
 * one-laptop mode, so a Redis outage costs this instance some CPU and loses nothing.
 */
export class BullJobQueue implements JobQueue {
  readonly mode = "queue" as const;
  private readonly kinds = new Map<string, Kind>();
  private readonly workers: Worker[] = [];
  private readonly producer: Redis;
  private workerConnection: Redis | null = null;
  private closing: Promise<void> | null = null;

  constructor(private readonly options: BullJobQueueOptions) {
    // A command fails after one reconnection attempt while Redis is down, so an enqueue falls back soon
    // (the offline queue stays: BullMQ sends its first commands before the connection is up).
    this.producer = new Redis(options.redisUrl, { db: options.redisDatabase, maxRetriesPerRequest: 1 });
    this.producer.on("error", () => {});
  }

  register<Payload>(kind: string, handler: JobHandler<Payload>, options: JobKindOptions): void {
    if (this.kinds.has(kind)) throw new Error(`A handler for ${kind} jobs is registered already.`);
    this.options.fallback.register(kind, handler, options);
    const queue = new Queue(kind, { connection: this.producer, prefix: this.options.prefix, skipWaitingForReady: true });
    queue.on("error", () => {});
    this.kinds.set(kind, { queue, options });
    if (this.options.runWorkers) this.startWorker(kind, handler as JobHandler<unknown>, options);
  }

  async enqueue<Payload>(kind: string, payload: Payload, options: { jobId: string }): Promise<boolean> {
    const entry = this.kinds.get(kind);
    if (!entry) throw new Error(`No handler is registered for ${kind} jobs.`);
    if (this.closing) return false;
    try {
      return await withTimeout(this.add(entry, kind, payload, options.jobId), this.options.enqueueTimeoutMs);
    } catch (error) {
      // Possibly added after all (a slow Redis): the handlers are idempotent, so at worst the work is checked twice.
      this.options.logger.warn({ kind, jobId: options.jobId, error: describeError(error) }, "job queue unreachable: running the job on this instance");
      return this.options.fallback.enqueue(kind, payload, options);
    }
  }

  /**
   * Workers start taking jobs (worker.ts, once everything their handlers need is composed).
   * Registration alone takes none, so no job runs before the cache its writes invalidate exists.
   */
  startWorkers(): void {
    for (const worker of this.workers) if (!worker.isRunning()) void worker.run().catch((error: unknown) => this.options.logger.error({ error: describeError(error) }, "job worker stopped"));
  }

  /** The job as BullMQ holds it, if any (tests, recovery). */
  async job(kind: string, id: string): Promise<Job | undefined> {
    return (await this.kinds.get(kind)?.queue.getJob(bullJobId(id))) ?? undefined;
  }

  async isPending(kind: string, id: string): Promise<boolean | null> {
    // Run here when Redis did not take it.
    if (await this.options.fallback.isPending(kind, id)) return true;
    const entry = this.kinds.get(kind);
    if (!entry) return false;
    try {
      return pendingStates.has(await withTimeout(entry.queue.getJobState(bullJobId(id)), this.options.enqueueTimeoutMs));
    } catch {
      return null;
    }
  }

  /** Only the jobs run on this instance (the fallback's): a worker's jobs are not this process's to wait for. */
  idle(kind?: string): Promise<void> {
    return this.options.fallback.idle(kind);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      // Running jobs get the grace period; past it, they are handed back (their lock lapses and another worker takes them).
      await Promise.all(
        this.workers.map(async (worker) => {
          const graceful = worker.close();
          const late = await withTimeout(graceful.then(() => false), this.options.shutdownGraceMs).catch(() => true);
          if (late) await worker.close(true);
        }),
      );
      await this.options.fallback.close();
      await Promise.all([...this.kinds.values()].map((entry) => entry.queue.close()));
      this.producer.disconnect();
      this.workerConnection?.disconnect();
    })();
    return this.closing;
  }

  private async add(entry: Kind, kind: string, payload: unknown, id: string): Promise<boolean> {
    // BullMQ ignores an add whose id exists; asking first says whether this one was new.
    const existing = await entry.queue.getJob(bullJobId(id));
    if (existing) return false;
    await entry.queue.add(kind, payload, {
      jobId: bullJobId(id),
      attempts: this.options.attempts,
      backoff: { type: "fixed", delay: this.options.backoffMs },
      removeOnComplete: entry.options.keepCompleted === false ? true : keepCompleted,
      // A failed job's id must not block the next trigger's try (a chat's episode on its next sweep).
      removeOnFail: true,
    });
    return true;
  }

  private startWorker(kind: string, handler: JobHandler<unknown>, options: JobKindOptions): void {
    if (!this.workerConnection) {
      this.workerConnection = new Redis(this.options.redisUrl, { db: this.options.redisDatabase, maxRetriesPerRequest: null });
      this.workerConnection.on("error", () => {});
    }
    const worker = new Worker(kind, (job: Job) => handler(job.data, { jobId: portJobId(job.id ?? ""), attempt: job.attemptsMade + 1 }), {
      connection: this.workerConnection,
      prefix: this.options.prefix,
      concurrency: options.concurrency,
      lockDuration: this.options.lockDurationMs,
      stalledInterval: this.options.stalledIntervalMs,
      // A job whose worker died is taken up again once; a second death fails it (and it is logged).
      maxStalledCount: 1,
      autorun: false,
    });
    worker.on("failed", (job, error) => {
      const attempt = job?.attemptsMade ?? 0;
      const last = attempt >= this.options.attempts;
      this.options.logger.warn({ kind, jobId: portJobId(job?.id ?? ""), attempt, error: describeError(error) }, last ? "background job failed" : "background job failed; retrying");
    });
    worker.on("stalled", (id) => this.options.logger.warn({ kind, jobId: portJobId(id) }, "background job stalled (its worker stopped); queued again"));
    worker.on("error", (error) => this.options.logger.warn({ kind, error: describeError(error) }, "job worker error"));
    this.workers.push(worker);
  }
}

/** BullMQ refuses ':' in a custom id (it separates its keys); our ids use it between their parts. */
function bullJobId(id: string): string {
  return id.replaceAll(":", ".");
}

function portJobId(id: string): string {
  return id.replaceAll(".", ":");
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${ms} ms`), { name: "TimeoutError" })), ms);
    timer.unref();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
