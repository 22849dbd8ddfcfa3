/** Base class of every reason the migration runner refuses to start or stops, so callers can catch them as one. */
export class MigrationError extends Error {
  override name = "MigrationError";
}
