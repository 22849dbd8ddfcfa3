/**
 * Documents wait here between upload and processing: at most `concurrency` are parsed and
 * indexed at once on this instance (parsing runs in worker threads, but a PDF of 500 pages
 * still costs seconds of a core), the rest in arrival order. `position` says how many wait
 * ahead, for the "queued" state. A job that throws never stops the queue.
 */
export class IngestionQueue {
  private readonly waiting: Array<{ id: string; run: () => Promise<void> }> = [];
  private running = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly concurrency: number,
    private readonly onError: (id: string, error: unknown) => void,
  ) {}

  add(id: string, run: () => Promise<void>): void {
    this.waiting.push({ id, run });
    this.next();
  }

  /** How many documents wait ahead of this one (0 when it runs or is unknown). */
  position(id: string): number {
    const index = this.waiting.findIndex((job) => job.id === id);
    return index < 0 ? 0 : index + 1;
  }

  get size(): number {
    return this.waiting.length + this.running;
  }

  /** Resolves once nothing waits or runs (tests, shutdown). */
  idle(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private next(): void {
    while (this.running < this.concurrency && this.waiting.length > 0) {
      const job = this.waiting.shift()!;
      this.running += 1;
      void job
        .run()
        .catch((error: unknown) => this.onError(job.id, error))
        .finally(() => {
          this.running -= 1;
          this.next();
          if (this.size === 0) {
            const waiters = this.idleWaiters;
            this.idleWaiters = [];
            for (const resolve of waiters) resolve();
          }
        });
    }
  }
}
