import { randomBytes } from "node:crypto";
import { keyBytes } from "./aes-gcm.ts";
import { EncryptionConfigError } from "./errors/encryption-config-error.ts";

/** The master keys from configuration: every version still needed to open wrapped data keys, and the one that wraps new ones. */
export interface MasterKeys {
  keys: ReadonlyMap<number, Buffer>;
  currentVersion: number;
}

const entryPattern = /^([0-9]+):(.*)$/s;
const base64Pattern = /^[A-Za-z0-9+/_-]+={0,2}$/;
const maxVersion = 999_999_999;

/**
 * Parses `"2:<base64 key>,1:<base64 old key>"` (commas or newlines between entries, so a
 * key file works too). Each key is 32 bytes in base64 or base64url; versions are positive
 * integers, each once. The highest version is current: adding a key with a higher version
 * and restarting starts a rotation. Errors name the entry, never the key.
 */
export function parseMasterKeys(text: string): MasterKeys {
  const entries = text.split(/[,\n\r]+/).map((entry) => entry.trim()).filter((entry) => entry.length > 0);
  if (entries.length === 0) throw new EncryptionConfigError("No master keys given: expected entries such as 1:<32 bytes in base64>, separated by commas.");
  const keys = new Map<number, Buffer>();
  entries.forEach((entry, index) => {
    const position = `entry ${index + 1}`;
    const match = entryPattern.exec(entry);
    if (!match) throw new EncryptionConfigError(`Master key ${position} must look like <version>:<base64 key>, e.g. 1:$(openssl rand -base64 32).`);
    const version = Number(match[1]);
    if (!Number.isSafeInteger(version) || version < 1 || version > maxVersion || match[1] !== String(version)) {
      throw new EncryptionConfigError(`Master key ${position}: the version must be a whole number from 1 to ${maxVersion} with no leading zeros.`);
    }
    if (keys.has(version)) throw new EncryptionConfigError(`Master key version ${version} is given twice: each version must name one key.`);
    keys.set(version, decodeKey((match[2] ?? "").trim(), version));
  });
  return { keys, currentVersion: Math.max(...keys.keys()) };
}

function decodeKey(text: string, version: number): Buffer {
  if (!base64Pattern.test(text)) throw new EncryptionConfigError(`Master key version ${version} is not valid base64.`);
  const standard = text.replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, "");
  const bytes = Buffer.from(standard, "base64");
  // Buffer.from ignores stray bits and characters; a key that does not re-encode to itself is mistyped.
  if (bytes.toString("base64").replace(/=+$/, "") !== standard) throw new EncryptionConfigError(`Master key version ${version} is not valid base64.`);
  if (bytes.length !== keyBytes) {
    throw new EncryptionConfigError(`Master key version ${version} is ${bytes.length} bytes; it must be ${keyBytes} (generate one with: openssl rand -base64 32).`);
  }
  return bytes;
}

/** A new master key in the setting's format, e.g. for `keys:rotate --new-key`. */
export function generateMasterKey(): string {
  return randomBytes(keyBytes).toString("base64");
}

/** The setting for a set of keys (tests and tooling): current first. */
export function formatMasterKeys(masterKeys: MasterKeys): string {
  return [...masterKeys.keys.entries()]
    .sort(([a], [b]) => b - a)
    .map(([version, key]) => `${version}:${key.toString("base64")}`)
    .join(",");
}
