/**
 * Background work as jobs: a job is a kind (which handler runs it) and a payload, under an id
 * derived from what it does (`summary:<sessionId>:<leafMessageId>`, `ingest:<documentId>`), so
 * the same work enqueued twice while it waits or runs is done once. Handlers are idempotent
 * besides, so a retried job (a failure, a worker killed mid-job) never doubles a row.
 */
export interface JobContext {
  jobId: string;
  /** 1 on the first run, 2 on the retry. */
  attempt: number;
}

export type JobHandler<Payload> = (payload: Payload, context: JobContext) => Promise<void>;

export interface JobKindOptions {
  /** Jobs of this kind run at most this many at once (per process for the queue's workers). */
  concurrency: number;
  /**
   * Keep a finished job's id for a while, so enqueueing the same work again is a no-op.
   * Off for kinds whose payload is big (an upload's bytes): their handlers check the stored state.
   */
  keepCompleted?: boolean;
}

export interface JobQueue {
  readonly mode: "in-process" | "queue";
  /** Says which handler runs a kind. In the queue mode only a worker process registers handlers that run. */
  register<Payload>(kind: string, handler: JobHandler<Payload>, options: JobKindOptions): void;
  /**
   * Asks for the work to be done. Resolves `false` when a job with this id already waits or runs
   * (or finished recently): nothing new was added. Never throws for a queue that is down: the
   * implementation says what it does then.
   */
  enqueue<Payload>(kind: string, payload: Payload, options: { jobId: string }): Promise<boolean>;
  /**
   * Whether a job with this id waits, runs or waits for its retry (a finished or failed one does
   * not). Null when the queue cannot tell (Redis unreachable): a caller must not act on a guess.
   */
  isPending(kind: string, jobId: string): Promise<boolean | null>;
  /** Resolves once no job of this kind (or of any kind) runs or waits in this process (tests, shutdown). */
  idle(kind?: string): Promise<void>;
  /** Stops taking jobs; a job running here finishes (in process) or goes back to the queue (worker). */
  close(): Promise<void>;
}

export interface JobLogger {
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
}

/** `kind:part:part`: what the job does, so the same work has the same id (BullMQ's copy swaps ':' for '.', which it refuses). */
export function jobId(kind: string, ...parts: Array<string | number>): string {
  return [kind, ...parts.map(String)].join(":");
}
