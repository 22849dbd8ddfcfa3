import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from "node:crypto";

export const keyBytes = 32;
export const nonceBytes = 12;
export const tagBytes = 16;

export interface Sealed {
  nonce: Buffer;
  /** Ciphertext followed by the 16-byte tag. */
  body: Buffer;
}

/**
 * A raw key buffer makes Node build a key object on every cipher; the keyring hands out the
 * same buffer for a user's key while it is cached, so build that object once per buffer.
 */
const keyObjects = new WeakMap<Buffer, KeyObject>();

function keyObjectOf(key: Buffer): KeyObject {
  let object = keyObjects.get(key);
  if (!object) keyObjects.set(key, (object = createSecretKey(key)));
  return object;
}

/** AES-256-GCM with a fresh random 96-bit nonce. */
export function seal(key: Buffer, plaintext: Buffer, associatedData: Buffer): Sealed {
  const nonce = randomBytes(nonceBytes);
  const cipher = createCipheriv("aes-256-gcm", keyObjectOf(key), nonce, { authTagLength: tagBytes });
  cipher.setAAD(associatedData);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return { nonce, body };
}

/** The plaintext, or null when the tag does not verify (wrong key, altered bytes, other associated data). */
export function open(key: Buffer, sealed: Sealed, associatedData: Buffer): Buffer | null {
  if (sealed.nonce.length !== nonceBytes || sealed.body.length < tagBytes) return null;
  const tagStart = sealed.body.length - tagBytes;
  const decipher = createDecipheriv("aes-256-gcm", keyObjectOf(key), sealed.nonce, { authTagLength: tagBytes });
  decipher.setAAD(associatedData);
  decipher.setAuthTag(sealed.body.subarray(tagStart));
  try {
    return Buffer.concat([decipher.update(sealed.body.subarray(0, tagStart)), decipher.final()]);
  } catch {
    return null;
  }
}

const base64urlPattern = /^[A-Za-z0-9_-]*$/;

/** Strict base64url (no padding): null for anything Buffer.from would silently skip or reinterpret. */
export function decodeBase64url(text: string): Buffer | null {
  if (!base64urlPattern.test(text) || text.length % 4 === 1) return null;
  const bytes = Buffer.from(text, "base64url");
  return bytes.toString("base64url") === text ? bytes : null;
}
