// Tooling (devDependencies): drafts the SQL of the next migration for both
// providers with Prisma's own engine, where `prisma migrate dev` cannot run.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { migrateDatabase } from "../migrate.ts";
import type { DatabaseProvider } from "../database-url.ts";
import { emptyMigration, openPrismaSchemaEngine } from "./prisma-schema-engine.ts";

export type MigrationDraft = Record<DatabaseProvider, string | null>;

/** The same derivation scripts/generate.mjs makes: only the datasource provider differs. */
export function toPostgresSchema(sqliteSchema: string): string {
  if (!sqliteSchema.includes('provider = "sqlite"')) throw new Error('Expected a schema with provider = "sqlite".');
  return sqliteSchema.replace('provider = "sqlite"', 'provider = "postgresql"');
}

/**
 * The SQL that takes a database migrated by the current migration sets to
 * `nextSchema` (the SQLite-provider schema.prisma text), per provider; null
 * where nothing changes. The migrations are replayed into a scratch SQLite file:
 * SQLite's script is diffed from that live database, and PostgreSQL's from its
 * introspected schema, which the schema tests keep identical to the PostgreSQL
 * set at the database level (no native types, no enums).
 */
export async function draftMigration(nextSchema: string, migrationsRoot?: string): Promise<MigrationDraft> {
  const scratch = await mkdtemp(join(tmpdir(), "recall-migration-draft-"));
  try {
    const url = pathToFileURL(join(scratch, "replay.db")).href;
    await migrateDatabase({ url, migrationsDirectory: migrationsRoot && join(migrationsRoot, "sqlite") });
    const engine = await openPrismaSchemaEngine({ url });
    try {
      const sqlite = await engine.diffDatabaseToSchema(nextSchema);
      const current = await engine.introspectSchema();
      const postgresql = await engine.diffSchemas(toPostgresSchema(current), toPostgresSchema(nextSchema));
      return { sqlite: nonEmpty(sqlite), postgresql: nonEmpty(postgresql) };
    } finally {
      await engine.close();
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

function nonEmpty(script: string): string | null {
  return script === emptyMigration || script.trim() === "" ? null : script;
}
