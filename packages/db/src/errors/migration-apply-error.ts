import { MigrationError } from "./migration-error.ts";

/** Applying a migration failed; its transaction was rolled back, so the database is as it was before. */
export class MigrationApplyError extends MigrationError {
  override name = "MigrationApplyError";
  readonly migrationName: string;

  constructor(migrationName: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`Migration ${migrationName} failed and was rolled back, the database is unchanged: ${reason}`, { cause });
    this.migrationName = migrationName;
  }
}
