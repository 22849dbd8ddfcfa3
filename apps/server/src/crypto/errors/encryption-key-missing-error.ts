/** An encrypted value was read while Recall runs without master keys (plaintext mode). */
export class EncryptionKeyMissingError extends Error {
  override readonly name = "EncryptionKeyMissingError";
  readonly field: string;
  readonly rowId: string;

  constructor(field: string, rowId: string) {
    super(`The ${field} of row ${rowId} is encrypted but no master keys are configured: set RECALL_ENCRYPTION_KEYS to the keys it was written with.`);
    this.field = field;
    this.rowId = rowId;
  }
}
