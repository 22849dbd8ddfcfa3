import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { UnsupportedDatabaseUrlError } from "./errors/unsupported-database-url-error.ts";

export type DatabaseProvider = "sqlite" | "postgresql";

export type DatabaseTarget =
  | { provider: "sqlite"; filePath: string }
  | {
      provider: "postgresql";
      /** The URL without the Prisma-only `schema` parameter, ready for `pg`. */
      connectionString: string;
      /** Where tables live; Prisma's `?schema=` parameter, `public` when absent. */
      schema: string;
    };

/**
 * The monorepo root. Relative SQLite paths resolve against it rather than the
 * working directory, because pnpm runs each package's scripts in that package's
 * folder and `pnpm db:migrate` must reach the same file as the server.
 */
export const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** The embedded default: one SQLite file under `data/` at the repository root. */
export function defaultDatabaseUrl(root: string = repositoryRoot): string {
  return `file:${join(root, "data", "recall.db")}`;
}

/** DATABASE_URL when set (and not blank), the embedded default otherwise. */
export function resolveDatabaseUrl(configuredUrl: string | undefined, root: string = repositoryRoot): string {
  const trimmed = configuredUrl?.trim();
  return trimmed ? trimmed : defaultDatabaseUrl(root);
}

const schemePattern = /^([a-z][a-z0-9+.-]+):/i;

/**
 * Reads a `file:` URL or plain path (SQLite) or a `postgres://`/`postgresql://`
 * URL (PostgreSQL, with Prisma's optional `?schema=`).
 */
export function parseDatabaseUrl(url: string, root: string = repositoryRoot): DatabaseTarget {
  const trimmed = url.trim();
  if (trimmed === "") throw new UnsupportedDatabaseUrlError("The database URL is empty.");
  const scheme = schemePattern.exec(trimmed)?.[1]?.toLowerCase();
  if (scheme === "postgres" || scheme === "postgresql") return parsePostgresUrl(trimmed);
  if (scheme === "file") return { provider: "sqlite", filePath: sqlitePathFromFileUrl(trimmed, root) };
  // One-letter "schemes" are Windows drive letters, so those are plain paths too.
  if (scheme !== undefined) {
    throw new UnsupportedDatabaseUrlError(
      `Unsupported database URL scheme "${scheme}:". Use a SQLite file (file:./data/recall.db or a plain path) or postgresql://.`,
    );
  }
  return { provider: "sqlite", filePath: resolveSqlitePath(trimmed, root) };
}

function sqlitePathFromFileUrl(url: string, root: string): string {
  if (url.startsWith("file://")) return fileURLToPath(url.split("?")[0] ?? url);
  // Prisma-style query parameters (connection_limit, socket_timeout) mean nothing to better-sqlite3.
  const path = (url.slice("file:".length).split("?")[0] ?? "").trim();
  return resolveSqlitePath(path, root);
}

function resolveSqlitePath(path: string, root: string): string {
  if (path === "" || path === ":memory:") {
    throw new UnsupportedDatabaseUrlError(
      "SQLite needs a file: Recall runs it in WAL mode, which an in-memory database cannot use.",
    );
  }
  return isAbsolute(path) ? path : resolve(root, path);
}

const schemaNamePattern = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

function parsePostgresUrl(url: string): DatabaseTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UnsupportedDatabaseUrlError("The PostgreSQL URL could not be parsed (is a special character in the password left unencoded?).");
  }
  const schema = parsed.searchParams.get("schema") ?? "public";
  if (!schemaNamePattern.test(schema)) {
    throw new UnsupportedDatabaseUrlError(
      `The PostgreSQL schema "${schema}" is not supported: use letters, digits and underscores, starting with a letter or underscore.`,
    );
  }
  parsed.searchParams.delete("schema");
  return { provider: "postgresql", connectionString: parsed.toString(), schema };
}

/** A one-line description for logs, without credentials. */
export function describeDatabaseTarget(target: DatabaseTarget): string {
  if (target.provider === "sqlite") return `SQLite ${target.filePath}`;
  const parsed = new URL(target.connectionString);
  return `PostgreSQL ${parsed.hostname}${parsed.port ? `:${parsed.port}` : ""}${parsed.pathname} (schema ${target.schema})`;
}
