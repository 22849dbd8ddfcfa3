/**
 * A stored value did not decrypt: it was tampered with, truncated, copied from another
 * row, column or user, or encrypted under a different key. Never carries the value.
 */
export class DecryptionError extends Error {
  override readonly name = "DecryptionError";
  readonly field: string;
  readonly rowId: string;

  constructor(field: string, rowId: string, reason: string) {
    super(`The encrypted ${field} of row ${rowId} does not decrypt (${reason}): it was altered, moved from another row or user, or written under another key.`);
    this.field = field;
    this.rowId = rowId;
  }
}
