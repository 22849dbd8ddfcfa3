import { MigrationError } from "./migration-error.ts";

/** Another instance held the PostgreSQL migration lock for longer than we were willing to wait. */
export class MigrationLockTimeoutError extends MigrationError {
  override name = "MigrationLockTimeoutError";

  constructor(timeoutMs: number) {
    super(
      `Timed out after ${timeoutMs} ms waiting for the migration lock (pg_advisory_lock(72707369)). ` +
        "Another instance or `prisma migrate` is migrating this database; wait for it to finish and start again.",
    );
  }
}
