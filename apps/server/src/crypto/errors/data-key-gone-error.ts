/**
 * The data key a value was encrypted under no longer exists: the user's data was erased,
 * or that key version was retired after a re-encryption pass. The text is unrecoverable.
 */
export class DataKeyGoneError extends Error {
  override readonly name = "DataKeyGoneError";
  readonly userId: string;
  readonly version: number;

  constructor(userId: string, version: number) {
    super(`Data key version ${version} of user ${userId} is gone (erased or retired): text encrypted under it cannot be read any more.`);
    this.userId = userId;
    this.version = version;
  }
}
