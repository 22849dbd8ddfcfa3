import type { DatabaseProvider, PrismaClient } from "@recall/db";

/**
 * After a delete, makes sure the deleted text is gone from the files, not only from the tables.
 * SQLite: `secure_delete` (set on every connection) zeroes the freed pages, but the WAL still
 * holds the pages as they were until a checkpoint copies them back; `wal_checkpoint(TRUNCATE)`
 * does that and empties the WAL. PostgreSQL keeps dead row versions until VACUUM reuses them:
 * autovacuum does, and with encryption on what lingers is ciphertext under an erased key.
 * Calls made while a checkpoint runs share the next one.
 */
export class DeletedDataScrubber {
  private running: Promise<void> | null = null;
  private queued: Promise<void> | null = null;
  readonly stats = { checkpoints: 0, busy: 0 };

  constructor(
    private readonly prisma: PrismaClient,
    private readonly provider: DatabaseProvider,
  ) {}

  /** Resolves once a checkpoint that started after this call has finished. */
  scrub(): Promise<void> {
    if (this.provider !== "sqlite") return Promise.resolve();
    if (this.queued) return this.queued;
    if (!this.running) {
      this.running = this.checkpoint().finally(() => (this.running = null));
      return this.running;
    }
    this.queued = this.running
      .catch(() => undefined)
      .then(() => {
        this.queued = null;
        return this.scrub();
      });
    return this.queued;
  }

  private async checkpoint(): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const rows = await this.prisma.$queryRawUnsafe<Array<{ busy: number | bigint }>>("PRAGMA wal_checkpoint(TRUNCATE)");
      this.stats.checkpoints += 1;
      if (Number(rows[0]?.busy ?? 0) === 0) return;
      // Another connection (a second process on the same file) was reading: try again shortly.
      this.stats.busy += 1;
      await new Promise((resolve) => setTimeout(resolve, 50 * (attempt + 1)));
    }
  }
}
