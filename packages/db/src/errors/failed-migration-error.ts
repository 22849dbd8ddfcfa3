import { MigrationError } from "./migration-error.ts";

/** A row in _prisma_migrations has no finished_at and was not rolled back: an earlier attempt failed midway. */
export class FailedMigrationError extends MigrationError {
  override name = "FailedMigrationError";
  readonly migrationNames: readonly string[];

  constructor(migrationNames: readonly string[]) {
    const names = migrationNames.join(", ");
    super(
      `An earlier attempt to apply ${names} failed and was never resolved, so no further migrations will run. ` +
        "Check the database for partial changes and undo them, then mark the attempt as rolled back " +
        `(\`prisma migrate resolve --rolled-back <name>\`, or set rolled_back_at on its row in "_prisma_migrations") and start again.`,
    );
    this.migrationNames = migrationNames;
  }
}
