import { MigrationError } from "./migration-error.ts";

/** The database records migrations that this build does not ship, usually because a newer version migrated it. */
export class UnknownMigrationError extends MigrationError {
  override name = "UnknownMigrationError";
  readonly migrationNames: readonly string[];

  constructor(migrationNames: readonly string[]) {
    super(
      `The database has migrations this build does not know: ${migrationNames.join(", ")}. ` +
        "It was probably migrated by a newer version of Recall: run that version or a newer one against it.",
    );
    this.migrationNames = migrationNames;
  }
}
