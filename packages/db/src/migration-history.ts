import { FailedMigrationError } from "./errors/failed-migration-error.ts";
import { MigrationChecksumMismatchError } from "./errors/migration-checksum-mismatch-error.ts";
import { UnknownMigrationError } from "./errors/unknown-migration-error.ts";
import type { MigrationFile } from "./migrations.ts";

/** The parts of a `_prisma_migrations` row the runner decides on. */
export interface AppliedMigrationRow {
  migrationName: string;
  checksum: string;
  finished: boolean;
  rolledBack: boolean;
}

/**
 * Checks the database's history against this build's migrations and returns
 * the ones still to apply, in order. Rolled-back rows are ignored, as Prisma
 * does: a rolled-back migration is applied again.
 */
export function planMigrations(files: readonly MigrationFile[], rows: readonly AppliedMigrationRow[]): MigrationFile[] {
  const active = rows.filter((row) => !row.rolledBack);

  const failed = active.filter((row) => !row.finished).map((row) => row.migrationName);
  if (failed.length > 0) throw new FailedMigrationError(unique(failed));

  const filesByName = new Map(files.map((file) => [file.name, file]));
  const unknown = active.filter((row) => !filesByName.has(row.migrationName)).map((row) => row.migrationName);
  if (unknown.length > 0) throw new UnknownMigrationError(unique(unknown));

  const edited = active
    .filter((row) => !filesByName.get(row.migrationName)?.acceptedChecksums.includes(row.checksum))
    .map((row) => row.migrationName);
  if (edited.length > 0) throw new MigrationChecksumMismatchError(unique(edited));

  const applied = new Set(active.map((row) => row.migrationName));
  return files.filter((file) => !applied.has(file.name));
}

function unique(names: string[]): string[] {
  return [...new Set(names)];
}
