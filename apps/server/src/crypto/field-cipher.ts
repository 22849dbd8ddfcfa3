import { open, seal } from "./aes-gcm.ts";
import { DataKeyring } from "./data-keyring.ts";
import { DecryptionError } from "./errors/decryption-error.ts";
import { EncryptionKeyMissingError } from "./errors/encryption-key-missing-error.ts";
import type { MasterKeys } from "./master-keys.ts";
import type { UserKeyStore } from "./user-key-store.ts";
import { escapePlaintext, fieldAssociatedData, formatEncryptedValue, parseStoredValue, unescapePlaintext, type FieldContext } from "./value-format.ts";

/**
 * What the stores call around every encrypted column. `encrypt` before writing, `decrypt`
 * after reading, both with the row's context. In plaintext mode both are the identity.
 */
export interface FieldCipher {
  readonly mode: "plaintext" | "encrypted";
  encrypt(plaintext: string, context: FieldContext): Promise<string>;
  /** Throws DecryptionError, DataKeyGoneError, MasterKeyError or EncryptionKeyMissingError; never returns altered text. */
  decrypt(stored: string, context: FieldContext): Promise<string>;
  /** True for legacy plaintext, or a value under an older data key version than the user's current one. */
  needsReencryption(stored: string, userId: string): Promise<boolean>;
  /** Crypto-erasure: deletes the user's keys and forgets them. */
  eraseUser(userId: string): Promise<void>;
  /** One line for the start-up log. */
  describe(): string;
}

export interface CreateFieldCipherOptions {
  /** Null or absent: plaintext mode, text is stored in the clear as before. */
  masterKeys: MasterKeys | null | undefined;
  store: UserKeyStore;
  /**
   * "accept" (default) reads values written before encryption was on as they are.
   * "reject" refuses them once a re-encryption pass has converted every table, so a
   * value planted in the database in the clear is not served as the user's text.
   */
  legacyPlaintext?: "accept" | "reject";
  cachedUsers?: number;
  cacheTtlMs?: number;
}

export function createFieldCipher(options: CreateFieldCipherOptions): FieldCipher {
  if (!options.masterKeys) return new PlaintextFieldCipher();
  const keyring = new DataKeyring({ store: options.store, masterKeys: options.masterKeys, cachedUsers: options.cachedUsers, cacheTtlMs: options.cacheTtlMs });
  return new EncryptingFieldCipher(keyring, options.legacyPlaintext ?? "accept");
}

/** The start-up line: whether stored text is encrypted, and under which master key version. */
export function describeEncryption(masterKeys: MasterKeys | null | undefined): string {
  if (!masterKeys) return "Encryption at rest is off: Recall stores text in the clear (set RECALL_ENCRYPTION_KEYS to encrypt it).";
  const older = masterKeys.keys.size - 1;
  const kept = older === 0 ? "" : ` (${older} older version${older === 1 ? "" : "s"} kept to read keys not yet rewrapped)`;
  return `Encryption at rest is on: Recall encrypts text with per-user data keys under master key version ${masterKeys.currentVersion}${kept}.`;
}

export class EncryptingFieldCipher implements FieldCipher {
  readonly mode = "encrypted";

  constructor(
    readonly keyring: DataKeyring,
    private readonly legacyPlaintext: "accept" | "reject",
  ) {}

  async encrypt(plaintext: string, context: FieldContext): Promise<string> {
    const { version, key } = await this.keyring.currentKey(context.userId);
    return formatEncryptedValue(version, seal(key, Buffer.from(plaintext, "utf8"), fieldAssociatedData(context, version)));
  }

  async decrypt(stored: string, context: FieldContext): Promise<string> {
    const parsed = parseStoredValue(stored);
    // Legacy text: written in plaintext mode (escaped or not), or text a user typed that only
    // starts like a value (`rc1.1.abc.def`) and does not parse as one. Never an error when accepted.
    if (parsed.kind !== "encrypted") {
      if (this.legacyPlaintext === "accept") return unescapePlaintext(stored) ?? stored;
      throw new DecryptionError(context.field, context.rowId, parsed.kind === "malformed" ? parsed.reason : "plain text where ciphertext is required");
    }
    const key = await this.keyring.keyForVersion(context.userId, parsed.version);
    const plaintext = open(key, parsed, fieldAssociatedData(context, parsed.version));
    if (plaintext === null) throw new DecryptionError(context.field, context.rowId, "authentication failed");
    return plaintext.toString("utf8");
  }

  async needsReencryption(stored: string, userId: string): Promise<boolean> {
    const parsed = parseStoredValue(stored);
    if (parsed.kind !== "encrypted") return true;
    return parsed.version < (await this.keyring.currentKey(userId)).version;
  }

  async eraseUser(userId: string): Promise<void> {
    await this.keyring.erase(userId);
  }

  describe(): string {
    return describeEncryption(this.keyring.masterKeys);
  }
}

/**
 * No master key: text as Recall stored it before, except that text which looks like ciphertext
 * is escaped (so a user's own `rc1.…` message reads back as typed). A value that really is
 * ciphertext is refused rather than shown as text.
 */
export class PlaintextFieldCipher implements FieldCipher {
  readonly mode = "plaintext";

  async encrypt(plaintext: string): Promise<string> {
    return escapePlaintext(plaintext);
  }

  async decrypt(stored: string, context: FieldContext): Promise<string> {
    const unescaped = unescapePlaintext(stored);
    if (unescaped !== null) return unescaped;
    if (parseStoredValue(stored).kind === "encrypted") throw new EncryptionKeyMissingError(context.field, context.rowId);
    return stored;
  }

  async needsReencryption(): Promise<boolean> {
    return false;
  }

  async eraseUser(): Promise<void> {}

  describe(): string {
    return describeEncryption(null);
  }
}
