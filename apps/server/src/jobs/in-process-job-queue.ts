import { LRUCache } from "lru-cache";
import { describeError } from "../errors.ts";
import type { JobContext, JobHandler, JobKindOptions, JobLogger, JobQueue } from "./job-queue.ts";

export interface InProcessJobQueueOptions {
  /** Runs per job: 1 in the one-laptop mode (a failed summary or episode is tried again by its next trigger, as before jobs). */
  attempts: number;
  /** Wait before the retry. */
  backoffMs: number;
  logger: JobLogger;
}

interface Kind {
  handler: JobHandler<unknown>;
  options: JobKindOptions;
  waiting: Array<{ id: string; payload: unknown }>;
  running: number;
}

/**
 * Jobs in this process (the default: no Redis). A job starts as soon as its kind has a free
 * slot, in arrival order, as the timers and queues before it did. Lost on a restart like them;
 * what a restart interrupts is recovered by the stored state (documents left processing fail
 * with a way forward; a summary or episode is due again on the chat's next trigger).
 */
export class InProcessJobQueue implements JobQueue {
  readonly mode = "in-process" as const;
  private readonly kinds = new Map<string, Kind>();
  /** Ids that wait, run or wait for their retry. */
  private readonly pending = new Set<string>();
  private readonly completed = new LRUCache<string, true>({ max: 10_000, ttl: 60 * 60 * 1000 });
  private idleWaiters: Array<() => void> = [];
  private closed = false;

  constructor(private readonly options: InProcessJobQueueOptions) {}

  register<Payload>(kind: string, handler: JobHandler<Payload>, options: JobKindOptions): void {
    if (this.kinds.has(kind)) throw new Error(`A handler for ${kind} jobs is registered already.`);
    this.kinds.set(kind, { handler: handler as JobHandler<unknown>, options, waiting: [], running: 0 });
  }

  enqueue<Payload>(kind: string, payload: Payload, options: { jobId: string }): Promise<boolean> {
    const entry = this.kinds.get(kind);
    if (!entry) return Promise.reject(new Error(`No handler is registered for ${kind} jobs.`));
    if (this.closed || this.pending.has(options.jobId) || this.completed.has(options.jobId)) return Promise.resolve(false);
    this.pending.add(options.jobId);
    entry.waiting.push({ id: options.jobId, payload });
    // Started before enqueue returns, so `idle()` right after sees it.
    this.next(kind, entry);
    return Promise.resolve(true);
  }

  isPending(_kind: string, jobId: string): Promise<boolean> {
    return Promise.resolve(this.pending.has(jobId));
  }

  /** How many jobs of the kind wait ahead of this one (0 when it runs or is unknown). */
  position(kind: string, id: string): number {
    const index = this.kinds.get(kind)?.waiting.findIndex((job) => job.id === id) ?? -1;
    return index < 0 ? 0 : index + 1;
  }

  async idle(kind?: string): Promise<void> {
    while (this.busy(kind)) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.idle();
  }

  private busy(kind?: string): boolean {
    const kinds = kind === undefined ? [...this.kinds.values()] : [this.kinds.get(kind)].filter((entry) => entry !== undefined);
    return kinds.some((entry) => entry.running > 0 || entry.waiting.length > 0);
  }

  private next(kind: string, entry: Kind): void {
    while (entry.running < entry.options.concurrency && entry.waiting.length > 0) {
      const job = entry.waiting.shift()!;
      entry.running += 1;
      void this.run(kind, entry, job.id, job.payload).finally(() => {
        entry.running -= 1;
        this.pending.delete(job.id);
        this.next(kind, entry);
        this.wakeIdleWaiters();
      });
    }
  }

  private async run(kind: string, entry: Kind, id: string, payload: unknown): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      const context: JobContext = { jobId: id, attempt };
      try {
        await entry.handler(payload, context);
        if (entry.options.keepCompleted !== false) this.completed.set(id, true);
        return;
      } catch (error) {
        const last = attempt >= this.options.attempts;
        // The error's name only: a handler's error may quote what the model or the user wrote.
        this.options.logger.warn({ kind, jobId: id, attempt, error: describeError(error) }, last ? "background job failed" : "background job failed; retrying");
        if (last) return;
        await new Promise((resolve) => setTimeout(resolve, this.options.backoffMs));
      }
    }
  }

  private wakeIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
