// For the Prisma CLI on a machine that has its schema engine, e.g.
//   DATABASE_URL=postgresql://... pnpm --filter @recall/db exec prisma migrate status --config prisma.postgresql.config.ts
// Same schema (the derived PostgreSQL one), migrations folder and database as our runner.
import { defineConfig } from "prisma/config";
import { parseDatabaseUrl, repositoryRoot } from "./src/database-url.ts";
import { migrationsDirectoryFor, prismaSchemaPathFor } from "./src/migrations.ts";

const url = process.env.DATABASE_URL?.trim() ?? "";
if (url === "" || parseDatabaseUrl(url).provider !== "postgresql") {
  throw new Error("Set DATABASE_URL to the PostgreSQL database (postgresql://..., optionally ?schema=...).");
}

export default defineConfig({
  schema: prismaSchemaPathFor("postgresql", repositoryRoot),
  migrations: { path: migrationsDirectoryFor("postgresql") },
  // Passed through unchanged: Prisma's engine understands ?schema= itself. `migrate diff --from-migrations`
  // replays the migrations into a scratch database, which on PostgreSQL must be named.
  datasource: { url, shadowDatabaseUrl: process.env.SHADOW_DATABASE_URL },
});
