// `pnpm --filter @recall/db run migration:create <name>`: writes the next migration for both
// providers from the difference between prisma/schema.prisma and the existing migrations.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { migrationsDirectoryFor, prismaSchemaPathFor } from "../src/migrations.ts";
import { draftMigration } from "../src/tooling/draft-migration.ts";

const name = process.argv[2] ?? "";
if (!/^[a-z][a-z0-9_]*$/.test(name)) {
  console.error("Usage: pnpm --filter @recall/db run migration:create <snake_case_name>");
  process.exit(1);
}

const draft = await draftMigration(await readFile(prismaSchemaPathFor("sqlite"), "utf8"));
if (draft.sqlite === null && draft.postgresql === null) {
  console.log("prisma/schema.prisma matches the migrations: nothing to write.");
  process.exit(0);
}

const timestamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
for (const provider of ["sqlite", "postgresql"] as const) {
  const directory = join(migrationsDirectoryFor(provider), `${timestamp}_${name}`);
  await mkdir(directory, { recursive: true });
  // An empty script still gets a folder, so both sets keep the same migration names.
  await writeFile(join(directory, "migration.sql"), draft[provider] ?? "-- This is an empty migration.\n");
  console.log(`Wrote ${directory}/migration.sql`);
}
console.log("Review both scripts, then run `pnpm --filter @recall/db run generate` and the tests.");
