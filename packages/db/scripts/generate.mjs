// Generates the Prisma clients for both providers from prisma/schema.prisma.
// The PostgreSQL schema is derived (only the provider and output differ), so the
// two clients always agree on models and fields.
import { execFileSync } from "node:child_process";
import process from "node:process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "../../..");
const source = readFileSync(join(root, "prisma/schema.prisma"), "utf8");
if (!source.includes('provider = "sqlite"') || !source.includes('output       = "../packages/db/src/generated/sqlite"')) {
  throw new Error("prisma/schema.prisma no longer has the provider/output lines generate.mjs rewrites; update both together.");
}
const postgres = source
  .replace('provider = "sqlite"', 'provider = "postgresql"')
  .replace('output       = "../packages/db/src/generated/sqlite"', 'output       = "../../packages/db/src/generated/postgresql"');
mkdirSync(join(root, "prisma/generated"), { recursive: true });
const postgresPath = join(root, "prisma/generated/postgresql.prisma");
writeFileSync(postgresPath, `// Generated from prisma/schema.prisma by packages/db/scripts/generate.mjs. Do not edit.\n${postgres}`);

// `prisma generate` needs no schema engine, but the CLI looks for one; a stub path
// keeps it from trying to download. Never set this for migrate commands.
const stub = join(root, "packages/db/scripts/schema-engine-stub.sh");
const env = { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: stub, PRISMA_HIDE_UPDATE_MESSAGE: "1" };
const prisma = join(root, "packages/db/node_modules/.bin/prisma");
for (const schema of [join(root, "prisma/schema.prisma"), postgresPath]) {
  execFileSync(prisma, ["generate", `--schema=${schema}`], { stdio: "inherit", env, cwd: root });
}
