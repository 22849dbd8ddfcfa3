import { createHmac, hkdfSync } from "node:crypto";
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
  /**
   * Bytes that leave the process for a while (an upload in its queued job): the value format over
   * the raw bytes, so nothing is base64-encoded twice. In plaintext mode, plain base64 (which can
   * never be taken for a value: it has no '.').
   */
  encryptBytes(bytes: Uint8Array, context: FieldContext): Promise<string>;
  /** The bytes `encryptBytes` sealed; throws as `decrypt` does. */
  decryptBytes(stored: string, context: FieldContext): Promise<Buffer>;
  /** True for legacy plaintext, or a value under an older data key version than the user's current one. */
  needsReencryption(stored: string, userId: string): Promise<boolean>;
  /**
   * What the document index stores instead of a word: with encryption on, a keyed hash under a
   * subkey of the user's current data key (`blindTerm`), so the search index holds no text and
   * erasing the key leaves its terms meaningless; in plaintext mode the term as it is.
   */
  termHasher(userId: string): Promise<(term: string) => string>;
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

  async encryptBytes(bytes: Uint8Array, context: FieldContext): Promise<string> {
    const { version, key } = await this.keyring.currentKey(context.userId);
    return formatEncryptedValue(version, seal(key, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), fieldAssociatedData(context, version)));
  }

  async decryptBytes(stored: string, context: FieldContext): Promise<Buffer> {
    const parsed = parseStoredValue(stored);
    if (parsed.kind !== "encrypted") {
      if (this.legacyPlaintext === "accept" && parsed.kind === "plaintext") return Buffer.from(stored, "base64");
      throw new DecryptionError(context.field, context.rowId, parsed.kind === "malformed" ? parsed.reason : "plain bytes where ciphertext is required");
    }
    const key = await this.keyring.keyForVersion(context.userId, parsed.version);
    const bytes = open(key, parsed, fieldAssociatedData(context, parsed.version));
    if (bytes === null) throw new DecryptionError(context.field, context.rowId, "authentication failed");
    return bytes;
  }

  async needsReencryption(stored: string, userId: string): Promise<boolean> {
    const parsed = parseStoredValue(stored);
    if (parsed.kind !== "encrypted") return true;
    return parsed.version < (await this.keyring.currentKey(userId)).version;
  }

  async termHasher(userId: string): Promise<(term: string) => string> {
    return blindTermHasher((await this.keyring.currentKey(userId)).key);
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

  async encryptBytes(bytes: Uint8Array): Promise<string> {
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
  }

  async decryptBytes(stored: string, context: FieldContext): Promise<Buffer> {
    if (parseStoredValue(stored).kind === "encrypted") throw new EncryptionKeyMissingError(context.field, context.rowId);
    return Buffer.from(stored, "base64");
  }

  async needsReencryption(): Promise<boolean> {
    return false;
  }

  async termHasher(): Promise<(term: string) => string> {
    return (term) => term;
  }

  async eraseUser(): Promise<void> {}

  describe(): string {
    return describeEncryption(null);
  }
}

/** HKDF label of the subkey that hashes document terms: never used for anything else. */
export const documentTermsKeyLabel = "recall/document-terms/v1";
/** 16 letters of 4 bits: 64 bits, so a user's vocabulary has no collisions in practice. */
const blindTermLength = 16;
/** Terms recur across a document's chunks: remembering their hashes saves most HMACs. */
const blindTermMemoLimit = 20_000;

/**
 * HMAC-SHA256 of the term under an HKDF subkey of the data key, written with the letters a-p
 * (one per 4 bits): a blind term is a single plain word to every tokenizer (FTS5's unicode61,
 * PostgreSQL's parser would split hex like "12e45abc" into a number and a word), and equal terms
 * stay equal, so term frequencies and BM25 survive the hashing.
 */
function blindTermHasher(dataKey: Buffer): (term: string) => string {
  const subkey = Buffer.from(hkdfSync("sha256", dataKey, Buffer.alloc(0), documentTermsKeyLabel, 32));
  const memo = new Map<string, string>();
  return (term) => {
    let blind = memo.get(term);
    if (blind === undefined) {
      const digest = createHmac("sha256", subkey).update(term, "utf8").digest();
      blind = "";
      for (let index = 0; index < blindTermLength / 2; index += 1) {
        const byte = digest[index]!;
        blind += String.fromCharCode(97 + (byte >> 4), 97 + (byte & 15));
      }
      if (memo.size >= blindTermMemoLimit) memo.clear();
      memo.set(term, blind);
    }
    return blind;
  };
}
