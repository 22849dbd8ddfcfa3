import { randomUUID } from "node:crypto";
import pg from "pg";
import type { DatabaseTarget } from "./database-url.ts";
import { MigrationApplyError } from "./errors/migration-apply-error.ts";
import { MigrationLockTimeoutError } from "./errors/migration-lock-timeout-error.ts";
import type { MigrationConnection } from "./migration-connection.ts";
import type { AppliedMigrationRow } from "./migration-history.ts";
import type { MigrationFile } from "./migrations.ts";
import { postgresPoolConfig } from "./postgres-connection.ts";

/** The key Prisma's schema engine locks, so our runner and `prisma migrate deploy` also keep out of each other's way. */
export const prismaAdvisoryLockKey = 72707369;

/** Byte for byte the table Prisma's schema engine creates on PostgreSQL. */
export const postgresMigrationsTableDdl = `CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
)`;

const queryCanceledCode = "57014";

type PostgresTarget = Extract<DatabaseTarget, { provider: "postgresql" }>;

export async function openPostgresMigrationConnection(target: PostgresTarget): Promise<MigrationConnection> {
  const client = new pg.Client(postgresPoolConfig(target));
  await client.connect();
  return new PostgresMigrationConnection(client, target.schema);
}

class PostgresMigrationConnection implements MigrationConnection {
  readonly #client: pg.Client;
  readonly #schema: string;
  #locked = false;

  constructor(client: pg.Client, schema: string) {
    this.#client = client;
    this.#schema = schema;
  }

  async lock(timeoutMs: number): Promise<void> {
    await this.#client.query(`SET statement_timeout = ${Math.max(1, Math.round(timeoutMs))}`);
    try {
      await this.#client.query("SELECT pg_advisory_lock($1)", [prismaAdvisoryLockKey]);
      this.#locked = true;
    } catch (error) {
      if ((error as { code?: unknown }).code === queryCanceledCode) throw new MigrationLockTimeoutError(timeoutMs);
      throw error;
    } finally {
      await this.#client.query("RESET statement_timeout");
    }
  }

  async ensureMigrationsTable(): Promise<void> {
    const schema = await this.#client.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [this.#schema]);
    // Checked first because CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege even when the schema exists.
    if (schema.rowCount === 0) await this.#client.query(`CREATE SCHEMA "${this.#schema}"`);
    const table = await this.#client.query(
      "SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = '_prisma_migrations'",
      [this.#schema],
    );
    if (table.rowCount === 0) await this.#client.query(postgresMigrationsTableDdl);
  }

  async readHistory(): Promise<AppliedMigrationRow[]> {
    const result = await this.#client.query<{ migration_name: string; checksum: string; finished: boolean; rolled_back: boolean }>(
      `SELECT migration_name, checksum, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back
       FROM _prisma_migrations ORDER BY started_at`,
    );
    return result.rows.map((row) => ({
      migrationName: row.migration_name,
      checksum: row.checksum,
      finished: row.finished,
      rolledBack: row.rolled_back,
    }));
  }

  async apply(migration: MigrationFile): Promise<boolean> {
    const client = this.#client;
    const startedAt = new Date();
    try {
      await client.query("BEGIN");
      await client.query(migration.script);
      await client.query(
        `INSERT INTO _prisma_migrations
           (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
         VALUES ($1, $2, $3, $4, NULL, NULL, $5, 1)`,
        [randomUUID(), migration.checksum, new Date(), migration.name, startedAt],
      );
      await client.query("COMMIT");
      return true;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw new MigrationApplyError(migration.name, error);
    }
  }

  async close(): Promise<void> {
    try {
      if (this.#locked) await this.#client.query("SELECT pg_advisory_unlock($1)", [prismaAdvisoryLockKey]);
    } finally {
      this.#locked = false;
      await this.#client.end();
    }
  }
}
