import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import pg from "pg";
import type { PrismaClient } from "./client.ts";
import { openDatabase } from "./client.ts";
import type { DatabaseProvider } from "./database-url.ts";
import type { SqlRunner } from "./sql-runner.ts";

export interface TestDatabase {
  prisma: PrismaClient;
  sql: SqlRunner;
  provider: DatabaseProvider;
  /** Opens the same database again, e.g. `openDatabase({ url })` to simulate a restart. */
  url: string;
  /** Disconnects and deletes the database (the temp file, or the PostgreSQL schema). */
  close(): Promise<void>;
}

export interface CreateTestDatabaseOptions {
  /** Defaults to RECALL_TEST_DATABASE, which defaults to sqlite. */
  provider?: DatabaseProvider;
  /** Skip migrations, for tests of the migration runner itself. */
  migrate?: boolean;
}

export const defaultTestPostgresUrl = "postgresql://postgres@127.0.0.1:5432/test";

/** The provider tests run against: RECALL_TEST_DATABASE=postgresql switches the whole suite. */
export function testDatabaseProvider(): DatabaseProvider {
  const configured = process.env.RECALL_TEST_DATABASE?.trim().toLowerCase();
  if (configured === undefined || configured === "" || configured === "sqlite") return "sqlite";
  if (configured === "postgresql" || configured === "postgres") return "postgresql";
  throw new Error(`RECALL_TEST_DATABASE must be "sqlite" or "postgresql", not "${configured}".`);
}

/** The server tests use on PostgreSQL: RECALL_TEST_POSTGRES_URL, or a local trust-auth `test` database. */
export function testPostgresUrl(): string {
  return process.env.RECALL_TEST_POSTGRES_URL?.trim() || defaultTestPostgresUrl;
}

/**
 * A fresh, migrated database of its own: a SQLite file in a new temp directory,
 * or a uniquely named schema in the test PostgreSQL database.
 */
export async function createTestDatabase(options: CreateTestDatabaseOptions = {}): Promise<TestDatabase> {
  const provider = options.provider ?? testDatabaseProvider();
  const location = provider === "sqlite" ? await createSqliteLocation() : createPostgresLocation();
  try {
    const database = await openDatabase({ url: location.url, migrate: options.migrate });
    return {
      prisma: database.prisma,
      sql: database.sql,
      provider,
      url: location.url,
      close: async () => {
        await database.close();
        await location.remove();
      },
    };
  } catch (error) {
    await location.remove();
    throw error;
  }
}

interface TestLocation {
  url: string;
  remove(): Promise<void>;
}

/** A new temp directory per database, so the -wal and -shm files go with it. */
async function createSqliteLocation(): Promise<TestLocation> {
  const directory = await mkdtemp(join(tmpdir(), "recall-db-test-"));
  return {
    url: pathToFileURL(join(directory, "test.db")).href,
    remove: () => rm(directory, { recursive: true, force: true }),
  };
}

function createPostgresLocation(): TestLocation {
  const schema = `test_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  const url = new URL(testPostgresUrl());
  url.searchParams.set("schema", schema);
  return {
    url: url.toString(),
    remove: () => dropPostgresSchema(testPostgresUrl(), schema),
  };
}

/** Drops a test schema and everything in it; schemas that were never created are fine. */
async function dropPostgresSchema(serverUrl: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
