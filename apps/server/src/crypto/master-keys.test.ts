import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { describeEncryption } from "./field-cipher.ts";
import { EncryptionConfigError } from "./errors/encryption-config-error.ts";
import { loadMasterKeys } from "./master-key-setting.ts";
import { formatMasterKeys, generateMasterKey, parseMasterKeys } from "./master-keys.ts";

const key = (bytes = 32): string => randomBytes(bytes).toString("base64");

function parseError(text: string): EncryptionConfigError {
  try {
    parseMasterKeys(text);
  } catch (error) {
    expect(error).toBeInstanceOf(EncryptionConfigError);
    return error as EncryptionConfigError;
  }
  throw new Error("expected parseMasterKeys to throw");
}

describe("parseMasterKeys", () => {
  it("reads versions and keys; the highest version is current, whatever the order", () => {
    const [one, two] = [key(), key()];
    const parsed = parseMasterKeys(`1:${one}, 2:${two}`);
    expect(parsed.currentVersion).toBe(2);
    expect(parsed.keys.get(1)?.toString("base64")).toBe(one);
    expect(parsed.keys.get(2)?.toString("base64")).toBe(two);
    expect(parseMasterKeys(formatMasterKeys(parsed))).toEqual(parsed);
  });

  it("accepts base64url and a key file's newlines", () => {
    const bytes = randomBytes(32);
    const parsed = parseMasterKeys(`\n3:${bytes.toString("base64url")}\n1:${generateMasterKey()}\n`);
    expect(parsed.currentVersion).toBe(3);
    expect(parsed.keys.get(3)?.equals(bytes)).toBe(true);
  });

  it("rejects short and long keys, naming the size", () => {
    expect(parseError(`1:${key(16)}`).message).toMatch(/version 1 is 16 bytes; it must be 32/);
    expect(parseError(`1:${key(33)}`).message).toMatch(/33 bytes/);
  });

  it("rejects bad base64 without echoing the key", () => {
    const bad = `${key().slice(0, 20)}!${key().slice(21)}`;
    const error = parseError(`7:${bad}`);
    expect(error.message).toMatch(/version 7 is not valid base64/);
    expect(error.message).not.toContain(bad);
    // 32 zero bytes with a stray low bit: Buffer.from would silently drop it.
    expect(Buffer.from(`${"A".repeat(42)}B=`, "base64").length).toBe(32);
    expect(parseError(`1:${"A".repeat(42)}B=`).message).toMatch(/not valid base64/);
  });

  it("rejects duplicate versions, bad versions, missing separators and empty settings", () => {
    expect(parseError(`2:${key()},2:${key()}`).message).toMatch(/version 2 is given twice/);
    expect(parseError(`0:${key()}`).message).toMatch(/whole number from 1/);
    expect(parseError(`01:${key()}`).message).toMatch(/no leading zeros/);
    expect(parseError(`x:${key()}`).message).toMatch(/entry 1 must look like <version>:<base64 key>/);
    expect(parseError(key()).message).toMatch(/must look like/);
    expect(parseError(" , ").message).toMatch(/No master keys given/);
  });
});

describe("loadMasterKeys", () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), "recall-keys-"));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it("is null without a setting (plaintext mode), reads a key file, and refuses both at once", async () => {
    expect(await loadMasterKeys({})).toBeNull();
    expect(await loadMasterKeys({ keys: "  " })).toBeNull();
    const file = join(directory, "keys");
    await writeFile(file, `2:${key()}\n1:${key()}\n`);
    await chmod(file, 0o600);
    expect((await loadMasterKeys({ keysFile: file }))?.currentVersion).toBe(2);
    await expect(loadMasterKeys({ keys: `1:${key()}`, keysFile: file })).rejects.toThrow(/not both/);
    await expect(loadMasterKeys({ keysFile: join(directory, "missing") })).rejects.toThrow(/cannot be read \(ENOENT\)/);
  });
});

describe("describeEncryption", () => {
  it("says whether text is stored in the clear, and under which master version", () => {
    expect(describeEncryption(null)).toMatch(/stores text in the clear/);
    expect(describeEncryption(parseMasterKeys(`1:${key()}`))).toMatch(/encrypts text .* master key version 1\.$/);
    expect(describeEncryption(parseMasterKeys(`1:${key()},2:${key()}`))).toMatch(/master key version 2 \(1 older version kept/);
  });
});
