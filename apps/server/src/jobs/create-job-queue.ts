import type { RecallConfig } from "../env.ts";
import { BullJobQueue } from "./bullmq-job-queue.ts";
import { InProcessJobQueue } from "./in-process-job-queue.ts";
import type { JobLogger, JobQueue } from "./job-queue.ts";

/**
 * The job queue the settings ask for. In process (the default): one try, as the timers before
 * it (a failed summary or episode is asked for again by its chat's next trigger). On BullMQ:
 * two tries, a dead worker's job taken up again once; `runWorkers` only in `worker.ts`.
 */
export function createJobQueue(config: RecallConfig, logger: JobLogger, options: { runWorkers: boolean }): JobQueue {
  const settings = config.jobs;
  if (settings.mode === "in-process") return new InProcessJobQueue({ attempts: 1, backoffMs: settings.retryDelayMs, logger });
  return new BullJobQueue({
    redisUrl: config.redisUrl!,
    redisDatabase: config.redisDatabase,
    prefix: settings.prefix,
    attempts: 2,
    backoffMs: settings.retryDelayMs,
    lockDurationMs: settings.lockDurationMs,
    stalledIntervalMs: settings.stalledIntervalMs,
    runWorkers: options.runWorkers,
    fallback: new InProcessJobQueue({ attempts: 1, backoffMs: settings.retryDelayMs, logger }),
    enqueueTimeoutMs: 2000,
    shutdownGraceMs: 10_000,
    logger,
  });
}
