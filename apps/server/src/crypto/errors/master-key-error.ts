/** A wrapped data key cannot be opened: its master key version is missing from configuration, or the configured key is a different one. */
export class MasterKeyError extends Error {
  override readonly name = "MasterKeyError";
  readonly masterVersion: number;

  constructor(masterVersion: number, message: string) {
    super(message);
    this.masterVersion = masterVersion;
  }
}
