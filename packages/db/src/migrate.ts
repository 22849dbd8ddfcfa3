import type { DatabaseProvider, DatabaseTarget } from "./database-url.ts";
import { parseDatabaseUrl } from "./database-url.ts";
import type { MigrationConnection } from "./migration-connection.ts";
import { planMigrations } from "./migration-history.ts";
import { migrationsDirectoryFor, readMigrations } from "./migrations.ts";
import { openPostgresMigrationConnection } from "./postgres-migration-connection.ts";
import { openSqliteMigrationConnection } from "./sqlite-migration-connection.ts";

export interface MigrateDatabaseOptions {
  url: string;
  /** The provider's migration set; prisma/migrations/<provider> at the repository root by default. */
  migrationsDirectory?: string;
  /** How long to wait for another instance's PostgreSQL migration lock. */
  lockTimeoutMs?: number;
}

export interface MigrationResult {
  provider: DatabaseProvider;
  /** Migrations this run applied, in order; empty when the database was up to date. */
  applied: string[];
}

const defaultLockTimeoutMs = 60_000;

/**
 * Applies the migrations of the current provider's set that the database has
 * not seen, each in its own transaction, recording them in `_prisma_migrations`
 * as Prisma does. Refuses (typed MigrationError) when the recorded history
 * disagrees with this build: an edited migration, an unresolved failure, or a
 * migration this build does not ship.
 */
export async function migrateDatabase(options: MigrateDatabaseOptions): Promise<MigrationResult> {
  return migrateTarget(parseDatabaseUrl(options.url), options);
}

export async function migrateTarget(
  target: DatabaseTarget,
  options: Omit<MigrateDatabaseOptions, "url"> = {},
): Promise<MigrationResult> {
  const files = await readMigrations(options.migrationsDirectory ?? migrationsDirectoryFor(target.provider), target.provider);
  const connection = await openMigrationConnection(target);
  try {
    await connection.lock(options.lockTimeoutMs ?? defaultLockTimeoutMs);
    await connection.ensureMigrationsTable();
    const pending = planMigrations(files, await connection.readHistory());
    const applied: string[] = [];
    for (const migration of pending) {
      if (await connection.apply(migration)) applied.push(migration.name);
    }
    return { provider: target.provider, applied };
  } finally {
    await connection.close();
  }
}

function openMigrationConnection(target: DatabaseTarget): Promise<MigrationConnection> {
  return target.provider === "sqlite" ? openSqliteMigrationConnection(target.filePath) : openPostgresMigrationConnection(target);
}
