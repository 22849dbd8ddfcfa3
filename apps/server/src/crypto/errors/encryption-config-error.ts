/** The master key setting is malformed. The message names the entry by version or position, never the key. */
export class EncryptionConfigError extends Error {
  override readonly name = "EncryptionConfigError";
}
