import { MigrationError } from "./migration-error.ts";

/** The migrations folder this build ships is missing or malformed. */
export class MigrationsDirectoryError extends MigrationError {
  override name = "MigrationsDirectoryError";
}
