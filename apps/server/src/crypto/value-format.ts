import { decodeBase64url, nonceBytes, tagBytes, type Sealed } from "./aes-gcm.ts";

/**
 * A stored encrypted value: `rc1.<dataKeyVersion>.<nonce>.<ciphertext+tag>`, the last two
 * base64url without padding. Anything that does not start with `rc<digits>.` is plaintext
 * written before encryption was turned on.
 */
export const valueFormatTag = "rc1";

/** The columns whose text is encrypted; part of every value's associated data. */
export const encryptedFields = [
  "Message.content",
  "SessionSummary.content",
  "Episode.summary",
  "Episode.factsJson",
  "ProfileFact.value",
  "ChatSession.title",
  "Message.contextJson",
  "ConversationCache.state",
  "Document.name",
  "Document.title",
  "Document.summary",
  "DocumentChunk.text",
  "DocumentChunk.section",
  /** Row id `<documentId>:<page number>` (the table's key has two columns). */
  "DocumentPage.text",
  /** An upload's bytes in its queued ingestion job (row id = the document's id); never in a table. */
  "IngestJob.bytes",
] as const;
export type EncryptedField = (typeof encryptedFields)[number];

/**
 * Sealed values that live only as long as a cache entry or a queued job: re-encryption and key
 * rotation have no table to rewrite for them and need none, since they expire on their own
 * (a cached conversation is a miss once it does not decrypt; a job runs or is dropped).
 */
export const transientEncryptedFields: readonly EncryptedField[] = ["ConversationCache.state", "IngestJob.bytes"];

/** Where a value lives: a copy in any other row, column or user's data does not decrypt. */
export interface FieldContext {
  field: EncryptedField;
  /** The row's primary key (`SessionSummary`: its sessionId). Must be known before the insert. */
  rowId: string;
  /** The owner whose data key encrypts the value. */
  userId: string;
}

export type StoredValue =
  | { kind: "plaintext" }
  | ({ kind: "encrypted"; version: number } & Sealed)
  | { kind: "malformed"; reason: string };

const claimedPattern = /^rc\d+\./;

/**
 * Written in plaintext mode in front of text that looks like ciphertext (a user typing
 * `rc1.1.abc.def`) or already starts with this prefix; every read strips it. It does not
 * match `rc<digits>.`, so such text is never taken for ciphertext.
 */
export const plaintextEscape = "rc-plain:";

/** Plaintext as stored without a key: escaped when it could be mistaken for ciphertext. */
export function escapePlaintext(text: string): string {
  return claimedPattern.test(text) || text.startsWith(plaintextEscape) ? `${plaintextEscape}${text}` : text;
}

/** The text of an escaped plaintext value, or null when `value` is not escaped. */
export function unescapePlaintext(value: string): string | null {
  return value.startsWith(plaintextEscape) ? value.slice(plaintextEscape.length) : null;
}
const versionPattern = /^[1-9][0-9]{0,8}$/;

/** Classifies a stored string without decrypting it. */
export function parseStoredValue(value: string): StoredValue {
  if (!claimedPattern.test(value)) return { kind: "plaintext" };
  const parts = value.split(".");
  if (parts[0] !== valueFormatTag) return { kind: "malformed", reason: `unknown format ${parts[0]}` };
  if (parts.length !== 4) return { kind: "malformed", reason: "wrong number of parts" };
  const [, versionText = "", nonceText = "", bodyText = ""] = parts;
  if (!versionPattern.test(versionText)) return { kind: "malformed", reason: "bad key version" };
  const nonce = decodeBase64url(nonceText);
  const body = decodeBase64url(bodyText);
  if (nonce === null || nonce.length !== nonceBytes) return { kind: "malformed", reason: "bad nonce" };
  if (body === null || body.length < tagBytes) return { kind: "malformed", reason: "bad ciphertext" };
  return { kind: "encrypted", version: Number(versionText), nonce, body };
}

export function formatEncryptedValue(version: number, sealed: Sealed): string {
  return `${valueFormatTag}.${version}.${sealed.nonce.toString("base64url")}.${sealed.body.toString("base64url")}`;
}

/** JSON of an array of strings and numbers is unambiguous: no field can spill into the next. */
export function fieldAssociatedData(context: FieldContext, version: number): Buffer {
  return Buffer.from(JSON.stringify([valueFormatTag, context.field, context.rowId, context.userId, version]), "utf8");
}
