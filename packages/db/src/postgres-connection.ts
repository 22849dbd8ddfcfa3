import type { PoolConfig } from "pg";
import type { DatabaseTarget } from "./database-url.ts";

type PostgresTarget = Extract<DatabaseTarget, { provider: "postgresql" }>;

/**
 * The `pg` settings every Recall connection uses, for Prisma's pool and the migration runner alike.
 * search_path sends unqualified SQL (migrations, raw queries) to the chosen schema, as Prisma's own
 * engine does for `?schema=`. TimeZone=UTC because Prisma reads and writes `timestamp(3)` columns
 * as UTC, so a `DEFAULT CURRENT_TIMESTAMP` filled in by the server must be UTC too.
 */
export function postgresPoolConfig(target: PostgresTarget): PoolConfig {
  const url = new URL(target.connectionString);
  // `pg` lets the URL's options override ours, so take them out and merge them in.
  const urlOptions = url.searchParams.get("options");
  url.searchParams.delete("options");
  const options = [urlOptions, `-c search_path="${target.schema}"`, "-c TimeZone=UTC"].filter(Boolean).join(" ");
  return { connectionString: url.toString(), options };
}
