import { SqlitePragmaError } from "./errors/sqlite-pragma-error.ts";

export const sqliteBusyTimeoutMs = 5000;

/**
 * Applied to every SQLite connection we open. journal_mode=WAL is stored in the
 * file; the others last only as long as the connection, hence every connection.
 * NORMAL is the durability WAL is designed for: a power cut may lose the last
 * commits but never corrupts the file.
 */
export const sqliteConnectionPragmas = [
  "PRAGMA journal_mode = WAL",
  `PRAGMA busy_timeout = ${sqliteBusyTimeoutMs}`,
  "PRAGMA foreign_keys = ON",
  "PRAGMA synchronous = NORMAL",
  // Deleted rows are overwritten with zeros, so "delete my data" leaves no text in free pages.
  "PRAGMA secure_delete = ON",
].join(";\n");

export interface SqlitePragmas {
  journalMode: string;
  busyTimeoutMs: number;
  foreignKeys: boolean;
  /** 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA. */
  synchronous: number;
  secureDelete: boolean;
}

/** Reads the settings back through whatever connection `readPragma` queries (`PRAGMA <name>` → its single value). */
export async function readSqlitePragmas(readPragma: (name: string) => Promise<unknown>): Promise<SqlitePragmas> {
  return {
    journalMode: String(await readPragma("journal_mode")).toLowerCase(),
    busyTimeoutMs: Number(await readPragma("busy_timeout")),
    foreignKeys: Number(await readPragma("foreign_keys")) === 1,
    synchronous: Number(await readPragma("synchronous")),
    secureDelete: Number(await readPragma("secure_delete")) === 1,
  };
}

/** Throws unless the connection is in WAL mode with our busy timeout, foreign keys and synchronous level. */
export function assertSqlitePragmas(pragmas: SqlitePragmas, filePath: string): void {
  if (pragmas.journalMode !== "wal") {
    throw new SqlitePragmaError(
      `SQLite could not switch ${filePath} to WAL mode (journal_mode is "${pragmas.journalMode}"). ` +
        "WAL needs a local file system with shared-memory support: a network share, a read-only directory or an in-memory database will not do.",
    );
  }
  const problems = [
    pragmas.busyTimeoutMs === sqliteBusyTimeoutMs ? null : `busy_timeout is ${pragmas.busyTimeoutMs}, expected ${sqliteBusyTimeoutMs}`,
    pragmas.foreignKeys ? null : "foreign_keys is OFF, so cascading deletes would not run",
    pragmas.synchronous === 1 ? null : `synchronous is ${pragmas.synchronous}, expected 1 (NORMAL)`,
    pragmas.secureDelete ? null : "secure_delete is OFF, so deleted text would stay in free pages",
  ].filter((problem) => problem !== null);
  if (problems.length > 0) {
    throw new SqlitePragmaError(`SQLite connection to ${filePath} is misconfigured: ${problems.join("; ")}.`);
  }
}
