import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { postgresSqlRunner, sqliteSqlRunner, type SqlRunner } from "./sql-runner.ts";
import type { DatabaseProvider, DatabaseTarget } from "./database-url.ts";
import { parseDatabaseUrl } from "./database-url.ts";
import { PrismaClient as PostgresPrismaClient } from "./generated/postgresql/client.ts";
import { PrismaClient as SqlitePrismaClient } from "./generated/sqlite/client.ts";
import type { MigrationResult } from "./migrate.ts";
import { migrateTarget } from "./migrate.ts";
import { postgresPoolConfig } from "./postgres-connection.ts";
import { ConfiguredSqliteAdapterFactory } from "./sqlite-adapter.ts";
import { secureSqliteFiles } from "./sqlite-file-mode.ts";
import { assertSqlitePragmas, readSqlitePragmas } from "./sqlite-pragmas.ts";

/**
 * The one client type the rest of Recall uses. Both generated clients come from
 * the same schema and have the same model API; we name the SQLite one, and the
 * PostgreSQL client is used through it (see openPostgres). Code written against
 * this type therefore cannot reach provider-only features such as
 * `mode: "insensitive"`, which is what keeps the two providers interchangeable.
 */
export type PrismaClient = SqlitePrismaClient;

export interface OpenDatabaseOptions {
  /** `file:` URL or plain path (SQLite), or `postgres://`/`postgresql://` with an optional `?schema=`. */
  url: string;
  /** Apply pending migrations before returning; true by default. */
  migrate?: boolean;
  /** Overrides prisma/migrations/<provider>, for tests and unusual deployments. */
  migrationsDirectory?: string;
  /** How long to wait for another instance's PostgreSQL migration lock (60 s by default). */
  migrationLockTimeoutMs?: number;
}

export interface Database {
  prisma: PrismaClient;
  /** Plain SQL on Prisma's own connections, for the statements every reply runs (`sql-runner.ts`). */
  sql: SqlRunner;
  provider: DatabaseProvider;
  /** What start-up migration did; `applied` is empty when migrate was off or nothing was pending. */
  migrations: MigrationResult;
  /** Disconnects Prisma and closes the underlying connections. */
  close(): Promise<void>;
}

/**
 * Opens the database a URL names, migrates it, and checks the connection is
 * usable (on SQLite: WAL, busy timeout, foreign keys, synchronous=NORMAL, read
 * back from the very connection Prisma uses) before returning.
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const target = parseDatabaseUrl(options.url);
  const migrations: MigrationResult =
    options.migrate === false
      ? { provider: target.provider, applied: [] }
      : await migrateTarget(target, {
          migrationsDirectory: options.migrationsDirectory,
          lockTimeoutMs: options.migrationLockTimeoutMs,
        });
  const { prisma, sql } = target.provider === "sqlite" ? openSqlite(target.filePath) : openPostgres(target);
  try {
    // Connect now so a bad URL or a misconfigured file fails at start-up, not on the first request.
    await prisma.$connect();
    if (target.provider === "sqlite") await verifySqliteConnection(prisma, target.filePath);
  } catch (error) {
    await prisma.$disconnect().catch(() => undefined);
    throw error;
  }
  return {
    prisma,
    sql,
    provider: target.provider,
    migrations,
    close: () => prisma.$disconnect(),
  };
}

function openSqlite(filePath: string): { prisma: PrismaClient; sql: SqlRunner } {
  // Without migrations nothing else has created the folder (or the file) yet.
  secureSqliteFiles(filePath);
  const factory = new ConfiguredSqliteAdapterFactory(filePath);
  return { prisma: new SqlitePrismaClient({ adapter: factory }), sql: sqliteSqlRunner(factory) };
}

function openPostgres(target: Extract<DatabaseTarget, { provider: "postgresql" }>): { prisma: PrismaClient; sql: SqlRunner } {
  // Our pool, shared by Prisma and the plain SQL runner; Prisma ends it on $disconnect.
  const pool = new pg.Pool(postgresPoolConfig(target));
  // An idle connection dropped by a PostgreSQL restart emits here; unheard, it would end the process.
  // The next query on it fails with its own (typed) error, and the pool opens a new connection.
  pool.on("error", () => undefined);
  const adapter = new PrismaPg(pool, { schema: target.schema, disposeExternalPool: true });
  const client = new PostgresPrismaClient({ adapter });
  // Not assignable as written: each generated client's types are invariant in its own TypeMap
  // (the $extends hook), and PostgreSQL's TypeMap has extras such as `mode`. At runtime both are
  // the same runtime class over the same models, so viewing it through the SQLite type is sound.
  return { prisma: client as unknown as PrismaClient, sql: postgresSqlRunner(pool, pg.types) };
}

async function verifySqliteConnection(prisma: PrismaClient, filePath: string): Promise<void> {
  const pragmas = await readSqlitePragmas(async (name) => {
    const rows = await prisma.$queryRawUnsafe<Record<string, unknown>[]>(`PRAGMA ${name}`);
    return Object.values(rows[0] ?? {})[0];
  });
  assertSqlitePragmas(pragmas, filePath);
}
