import { MigrationError } from "./migration-error.ts";

/** An applied migration's migration.sql no longer matches the checksum recorded when it ran. */
export class MigrationChecksumMismatchError extends MigrationError {
  override name = "MigrationChecksumMismatchError";
  readonly migrationNames: readonly string[];

  constructor(migrationNames: readonly string[]) {
    super(
      `These migrations were edited after they were applied to the database: ${migrationNames.join(", ")}. ` +
        "An applied migration must never change: restore its original migration.sql and put the change in a new migration.",
    );
    this.migrationNames = migrationNames;
  }
}
