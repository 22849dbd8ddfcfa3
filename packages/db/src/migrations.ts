import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { DatabaseProvider } from "./database-url.ts";
import { repositoryRoot } from "./database-url.ts";
import { MigrationsDirectoryError } from "./errors/migrations-directory-error.ts";

/** One `<timestamp>_<name>/migration.sql` of a provider's migration set. */
export interface MigrationFile {
  name: string;
  script: string;
  /** sha256 hex of the file's bytes, as Prisma records it. */
  checksum: string;
  /** Checksums this migration also accepts: the same script with other line endings. */
  acceptedChecksums: readonly string[];
}

/** Each provider has its own set, in Prisma's folder format, under prisma/migrations/<provider>. */
export function migrationsDirectoryFor(provider: DatabaseProvider, root: string = repositoryRoot): string {
  return join(root, "prisma", "migrations", provider);
}

/** Prisma's schema file for each provider; the PostgreSQL one is generated from the SQLite one by `pnpm generate`. */
export function prismaSchemaPathFor(provider: DatabaseProvider, root: string = repositoryRoot): string {
  return provider === "sqlite" ? join(root, "prisma", "schema.prisma") : join(root, "prisma", "generated", "postgresql.prisma");
}

/** The migrations of a folder in the order Prisma applies them: by folder name. */
export async function readMigrations(directory: string, provider: DatabaseProvider): Promise<MigrationFile[]> {
  await assertLockfileProvider(directory, provider);
  const entries = await readdir(directory, { withFileTypes: true });
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  return Promise.all(names.map((name) => readMigration(directory, name)));
}

async function readMigration(directory: string, name: string): Promise<MigrationFile> {
  let bytes: Buffer;
  try {
    bytes = await readFile(join(directory, name, "migration.sql"));
  } catch {
    throw new MigrationsDirectoryError(`Migration folder ${name} in ${directory} has no readable migration.sql.`);
  }
  const checksum = sha256(bytes);
  const script = bytes.toString("utf8");
  // Like Prisma, tolerate a checkout that converted line endings (git autocrlf).
  const acceptedChecksums = [
    checksum,
    sha256(Buffer.from(script.replaceAll("\r\n", "\n"), "utf8")),
    sha256(Buffer.from(script.replaceAll("\r\n", "\n").replaceAll("\n", "\r\n"), "utf8")),
  ];
  return { name, script, checksum, acceptedChecksums };
}

async function assertLockfileProvider(directory: string, provider: DatabaseProvider): Promise<void> {
  let lockfile: string;
  try {
    lockfile = await readFile(join(directory, "migration_lock.toml"), "utf8");
  } catch {
    throw new MigrationsDirectoryError(
      `No migration_lock.toml in ${directory}: is this the ${provider} migrations folder of a complete Recall checkout?`,
    );
  }
  const locked = /^\s*provider\s*=\s*"([^"]+)"/m.exec(lockfile)?.[1];
  if (locked !== provider) {
    throw new MigrationsDirectoryError(
      `${directory} holds migrations for "${locked ?? "an unknown provider"}", not ${provider}.`,
    );
  }
}

function sha256(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}
