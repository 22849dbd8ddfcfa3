/** DATABASE_URL names something other than a SQLite file or a PostgreSQL server. */
export class UnsupportedDatabaseUrlError extends Error {
  override name = "UnsupportedDatabaseUrlError";
}
