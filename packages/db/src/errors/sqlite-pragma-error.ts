/** A SQLite connection did not end up with the settings Recall relies on (WAL, busy timeout, foreign keys). */
export class SqlitePragmaError extends Error {
  override name = "SqlitePragmaError";
}
