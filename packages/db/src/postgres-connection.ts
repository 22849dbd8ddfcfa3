import type { PoolConfig } from "pg";
import type { DatabaseTarget } from "./database-url.ts";

type PostgresTarget = Extract<DatabaseTarget, { provider: "postgresql" }>;

/**
 * The `pg` settings every Recall connection uses, for Prisma's pool and the migration runner alike.
 * search_path sends unqualified SQL (migrations, raw queries) to the chosen schema, as Prisma's own
 * engine does for `?schema=`. TimeZone=UTC because Prisma reads and writes `timestamp(3)` columns
 * as UTC, so a `DEFAULT CURRENT_TIMESTAMP` filled in by the server must be UTC too.
 * After a restart of PostgreSQL, pg's pool drops the clients it loses and opens new ones on the
 * next query: nothing here needs restarting (`apps/server/src/ops/postgres-restart.test.ts`).
 */
export function postgresPoolConfig(target: PostgresTarget): PoolConfig {
  const url = new URL(target.connectionString);
  // `pg` lets the URL's options override ours, so take them out and merge them in.
  const urlOptions = url.searchParams.get("options");
  url.searchParams.delete("options");
  const options = [urlOptions, `-c search_path="${target.schema}"`, "-c TimeZone=UTC"].filter(Boolean).join(" ");
  // A database that does not answer fails a request in seconds instead of holding it (pg waits
  // for ever by default); keep-alive finds connections a restart or the network dropped.
  return { connectionString: url.toString(), options, connectionTimeoutMillis: 5000, keepAlive: true };
}
