// `pnpm db:migrate`: applies pending migrations to the database DATABASE_URL names (the embedded SQLite file by default).
import { describeDatabaseTarget, parseDatabaseUrl, resolveDatabaseUrl } from "./database-url.ts";
import { MigrationError } from "./errors/migration-error.ts";
import { SqlitePragmaError } from "./errors/sqlite-pragma-error.ts";
import { UnsupportedDatabaseUrlError } from "./errors/unsupported-database-url-error.ts";
import { migrateDatabase } from "./migrate.ts";

const expectedErrors = [MigrationError, SqlitePragmaError, UnsupportedDatabaseUrlError];

try {
  const url = resolveDatabaseUrl(process.env.DATABASE_URL);
  console.log(`Migrating ${describeDatabaseTarget(parseDatabaseUrl(url))}`);
  const result = await migrateDatabase({ url });
  console.log(
    result.applied.length === 0
      ? "Already up to date."
      : `Applied ${result.applied.length} migration(s):\n${result.applied.map((name) => `  ${name}`).join("\n")}`,
  );
} catch (error) {
  if (!expectedErrors.some((errorClass) => error instanceof errorClass)) throw error;
  console.error((error as Error).message);
  process.exitCode = 1;
}
