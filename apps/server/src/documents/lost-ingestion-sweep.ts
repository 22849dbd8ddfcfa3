import type { DocumentRefusalCode } from "@recall/documents";
import { describeError } from "../errors.ts";
import { jobId, type JobQueue } from "../jobs/job-queue.ts";
import type { Logger } from "../services.ts";

/** What the sweep reads and writes of saved documents (`SavedDocumentStore`). */
export interface ProcessingDocuments {
  staleProcessing(updatedBefore: Date, limit: number): Promise<Array<{ id: string; userId: string }>>;
  /** Only while the document is still processing (false otherwise). */
  markFailed(documentId: string, code: DocumentRefusalCode, message: string): Promise<boolean>;
}

export interface LostIngestionSweepOptions {
  /** A document processing with no change for this long is looked at (3 × the job lock by default). */
  staleAfterMs: number;
  everyMs: number;
  /** Documents looked at per round. */
  batch?: number;
  now?: () => number;
}

/** What the user reads on the document: the original was never kept, so the way forward is to send it again. */
export const lostIngestionMessage = "Processing was interrupted; upload the file again.";

/**
 * On the queue (`RECALL_JOBS=queue`) a saved document is `processing` until its `ingest:<id>` job
 * runs; servers no longer fail such documents at start-up (the job may be live on a worker). If
 * Redis loses the job (restarted without AOF, a key evicted, flushed), nothing would ever finish
 * it. Each worker sweeps: a document processing with no progress for `staleAfterMs` whose job is
 * not waiting, running or delayed is marked failed with a way forward. Several workers sweeping
 * at once is harmless: failing is a compare-and-set on `processing`. While the queue cannot say
 * (Redis down), nothing is failed.
 */
export class LostIngestionSweep {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;

  constructor(
    private readonly documents: ProcessingDocuments,
    private readonly jobs: Pick<JobQueue, "isPending">,
    private readonly logger: Logger,
    private readonly options: LostIngestionSweepOptions,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.sweep(), this.options.everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One round now; resolves to how many documents it failed. */
  sweep(): Promise<number> {
    this.running ??= this.round()
      .catch((error: unknown) => {
        this.logger.warn({ error: describeError(error) }, "lost-ingestion sweep failed; trying again next round");
        return 0;
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  private async round(): Promise<number> {
    const now = this.options.now ?? Date.now;
    const stale = await this.documents.staleProcessing(new Date(now() - this.options.staleAfterMs), this.options.batch ?? 100);
    let failed = 0;
    for (const document of stale) {
      const pending = await this.jobs.isPending("ingest", jobId("ingest", document.id));
      if (pending === null) return failed;
      if (pending) continue;
      if (await this.documents.markFailed(document.id, "corrupt", lostIngestionMessage)) failed += 1;
    }
    if (failed > 0) this.logger.warn({ count: failed }, "documents whose ingestion job was lost were marked failed");
    return failed;
  }
}
