import type { AppliedMigrationRow } from "./migration-history.ts";
import type { MigrationFile } from "./migrations.ts";

/** What the runner needs from one provider; each implementation owns a single dedicated connection. */
export interface MigrationConnection {
  /** Keeps concurrent runners apart for the whole run (PostgreSQL); SQLite locks per migration instead. */
  lock(timeoutMs: number): Promise<void>;
  /** Creates `_prisma_migrations` with Prisma's exact DDL when it does not exist yet. */
  ensureMigrationsTable(): Promise<void>;
  readHistory(): Promise<AppliedMigrationRow[]>;
  /** Runs the script and records it in one transaction; false when another runner recorded it first. */
  apply(migration: MigrationFile): Promise<boolean>;
  /** Releases the lock and the connection. */
  close(): Promise<void>;
}
