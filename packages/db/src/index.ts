export type { Database, OpenDatabaseOptions, PrismaClient } from "./client.ts";
export { openDatabase } from "./client.ts";
export { isForeignKeyViolation, sqlDate, type SqlRunner, type SqlStatement, type SqlValue } from "./sql-runner.ts";
export type { DatabaseProvider, DatabaseTarget } from "./database-url.ts";
export { isDatabaseUnavailable } from "./database-unavailable.ts";
export { defaultDatabaseUrl, describeDatabaseTarget, parseDatabaseUrl, repositoryRoot, resolveDatabaseUrl } from "./database-url.ts";
export { FailedMigrationError } from "./errors/failed-migration-error.ts";
export { MigrationApplyError } from "./errors/migration-apply-error.ts";
export { MigrationChecksumMismatchError } from "./errors/migration-checksum-mismatch-error.ts";
export { MigrationError } from "./errors/migration-error.ts";
export { MigrationLockTimeoutError } from "./errors/migration-lock-timeout-error.ts";
export { MigrationsDirectoryError } from "./errors/migrations-directory-error.ts";
export { SqlitePragmaError } from "./errors/sqlite-pragma-error.ts";
export { UnknownMigrationError } from "./errors/unknown-migration-error.ts";
export { UnsupportedDatabaseUrlError } from "./errors/unsupported-database-url-error.ts";
export type { MigrateDatabaseOptions, MigrationResult } from "./migrate.ts";
export { migrateDatabase } from "./migrate.ts";
export { migrationsDirectoryFor } from "./migrations.ts";
// Model types and the Prisma namespace (input types, Prisma.PrismaClientKnownRequestError, ...),
// taken from the SQLite client like PrismaClient itself; the runtime error classes are shared.
export type { ChatSession, Episode, Message, ProfileFact, SessionSummary, User } from "./generated/sqlite/client.ts";
export { Prisma } from "./generated/sqlite/client.ts";
