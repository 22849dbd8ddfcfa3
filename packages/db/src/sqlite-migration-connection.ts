import Database from "better-sqlite3";
import { randomUUID } from "node:crypto";
import { MigrationApplyError } from "./errors/migration-apply-error.ts";
import type { MigrationConnection } from "./migration-connection.ts";
import type { AppliedMigrationRow } from "./migration-history.ts";
import type { MigrationFile } from "./migrations.ts";
import { secureSqliteFiles } from "./sqlite-file-mode.ts";
import { assertSqlitePragmas, readSqlitePragmas, sqliteBusyTimeoutMs, sqliteConnectionPragmas } from "./sqlite-pragmas.ts";

/** Byte for byte the table Prisma's schema engine creates on SQLite. */
export const sqliteMigrationsTableDdl = `CREATE TABLE "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`;

/** The text format Prisma's SQLite adapter writes DateTime values in. */
function sqliteTimestamp(date: Date): string {
  return date.toISOString().replace("Z", "+00:00");
}

export async function openSqliteMigrationConnection(filePath: string): Promise<MigrationConnection> {
  secureSqliteFiles(filePath);
  const database = new Database(filePath, { timeout: sqliteBusyTimeoutMs });
  try {
    // WAL is stored in the file, so switching here covers every connection opened later.
    database.exec(sqliteConnectionPragmas);
    assertSqlitePragmas(await readSqlitePragmas(async (name) => database.pragma(name, { simple: true })), filePath);
  } catch (error) {
    database.close();
    throw error;
  }
  return new SqliteMigrationConnection(database);
}

class SqliteMigrationConnection implements MigrationConnection {
  readonly #database: Database.Database;

  constructor(database: Database.Database) {
    this.#database = database;
  }

  async lock(): Promise<void> {
    // Nothing to hold across the run: apply() takes the write lock per migration and re-checks the history under it.
  }

  async ensureMigrationsTable(): Promise<void> {
    const database = this.#database;
    database
      .transaction(() => {
        const exists = database.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'").get();
        if (!exists) database.exec(sqliteMigrationsTableDdl);
      })
      .immediate();
  }

  async readHistory(): Promise<AppliedMigrationRow[]> {
    const rows = this.#database
      .prepare(
        `SELECT migration_name, checksum, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back
         FROM "_prisma_migrations" ORDER BY started_at`,
      )
      .all() as { migration_name: string; checksum: string; finished: number; rolled_back: number }[];
    return rows.map((row) => ({
      migrationName: row.migration_name,
      checksum: row.checksum,
      finished: row.finished === 1,
      rolledBack: row.rolled_back === 1,
    }));
  }

  async apply(migration: MigrationFile): Promise<boolean> {
    const database = this.#database;
    // Prisma's table redefinitions (copy, DROP TABLE, rename) rely on foreign keys being off: with them on,
    // the DROP would cascade-delete every child row. The pragma is ignored inside a transaction, so the
    // script's own `PRAGMA foreign_keys=OFF` would be too; switch it here, and check integrity before committing.
    database.pragma("foreign_keys = OFF");
    try {
      return database
        .transaction(() => {
          const recorded = database
            .prepare(`SELECT 1 FROM "_prisma_migrations" WHERE migration_name = ? AND rolled_back_at IS NULL`)
            .get(migration.name);
          if (recorded) return false;
          const startedAt = new Date();
          database.exec(migration.script);
          const violations = database.pragma("foreign_key_check") as unknown[];
          if (violations.length > 0) {
            throw new Error(`it leaves ${violations.length} row(s) whose foreign keys point nowhere (PRAGMA foreign_key_check)`);
          }
          database
            .prepare(
              `INSERT INTO "_prisma_migrations"
                 ("id", "checksum", "finished_at", "migration_name", "logs", "rolled_back_at", "started_at", "applied_steps_count")
               VALUES (?, ?, ?, ?, NULL, NULL, ?, 1)`,
            )
            .run(randomUUID(), migration.checksum, sqliteTimestamp(new Date()), migration.name, sqliteTimestamp(startedAt));
          return true;
        })
        .immediate();
    } catch (error) {
      throw new MigrationApplyError(migration.name, error);
    } finally {
      database.pragma("foreign_keys = ON");
    }
  }

  async close(): Promise<void> {
    this.#database.close();
  }
}
