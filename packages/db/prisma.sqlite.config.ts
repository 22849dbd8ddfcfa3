// For the Prisma CLI on a machine that has its schema engine, e.g.
//   pnpm --filter @recall/db exec prisma migrate status --config prisma.sqlite.config.ts
// Same schema, migrations folder and database (DATABASE_URL, or the default file) as our runner.
import { defineConfig } from "prisma/config";
import { parseDatabaseUrl, repositoryRoot, resolveDatabaseUrl } from "./src/database-url.ts";
import { migrationsDirectoryFor, prismaSchemaPathFor } from "./src/migrations.ts";

const target = parseDatabaseUrl(resolveDatabaseUrl(process.env.DATABASE_URL));
if (target.provider !== "sqlite") {
  throw new Error("DATABASE_URL names a PostgreSQL database: use prisma.postgresql.config.ts.");
}

export default defineConfig({
  schema: prismaSchemaPathFor("sqlite", repositoryRoot),
  migrations: { path: migrationsDirectoryFor("sqlite") },
  // Absolute, so the CLI opens the file our runner resolved rather than one relative to its own working directory.
  datasource: { url: `file:${target.filePath}` },
});
