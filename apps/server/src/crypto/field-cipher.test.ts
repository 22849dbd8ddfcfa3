import { createHmac, hkdfSync } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import { DataKeyGoneError } from "./errors/data-key-gone-error.ts";
import { DecryptionError } from "./errors/decryption-error.ts";
import { EncryptionKeyMissingError } from "./errors/encryption-key-missing-error.ts";
import { MasterKeyError } from "./errors/master-key-error.ts";
import { createFieldCipher, documentTermsKeyLabel, EncryptingFieldCipher, type FieldCipher } from "./field-cipher.ts";
import { generateMasterKey, parseMasterKeys, type MasterKeys } from "./master-keys.ts";
import { MemoryUserKeyStore } from "./memory-user-key-store.ts";
import { parseStoredValue, type FieldContext } from "./value-format.ts";

const alice: FieldContext = { field: "Message.content", rowId: "message-1", userId: "alice" };
const canary = "my sister's wedding is on 14 June — café ✓ 🎉";

let store: MemoryUserKeyStore;
let masterKeys: MasterKeys;
let cipher: FieldCipher;

beforeEach(() => {
  store = new MemoryUserKeyStore();
  masterKeys = parseMasterKeys(`1:${generateMasterKey()}`);
  cipher = createFieldCipher({ masterKeys, store });
});

/** A cipher as another server start would have it: nothing cached. */
const restarted = (keys: MasterKeys = masterKeys): FieldCipher => createFieldCipher({ masterKeys: keys, store });

function withBit(value: string, part: 2 | 3, bit: number): string {
  const parts = value.split(".");
  const bytes = Buffer.from(parts[part] ?? "", "base64url");
  bytes[bit >> 3] = (bytes[bit >> 3] ?? 0) ^ (1 << (bit & 7));
  parts[part] = bytes.toString("base64url");
  return parts.join(".");
}

describe("field cipher", () => {
  it("round-trips text, empty text and long text, with a fresh nonce every time", async () => {
    for (const text of [canary, "", "x".repeat(100_000)]) {
      const stored = await cipher.encrypt(text, alice);
      expect(stored).toMatch(/^rc1\.1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22,}$/);
      expect(await cipher.decrypt(stored, alice)).toBe(text);
      expect(await restarted().decrypt(stored, alice)).toBe(text);
    }
    const [first, second] = [await cipher.encrypt(canary, alice), await cipher.encrypt(canary, alice)];
    expect(first).not.toBe(second);
    expect(first.split(".")[2]).not.toBe(second.split(".")[2]);
    expect(first).not.toContain("wedding");
  });

  it("rejects every single bit flip of the nonce, the ciphertext and the tag", async () => {
    const stored = await cipher.encrypt("hello", alice);
    const parsed = parseStoredValue(stored);
    if (parsed.kind !== "encrypted") throw new Error("not encrypted");
    let flips = 0;
    for (const [part, length] of [[2, parsed.nonce.length], [3, parsed.body.length]] as const) {
      for (let bit = 0; bit < length * 8; bit += 1) {
        await expect(cipher.decrypt(withBit(stored, part, bit), alice)).rejects.toBeInstanceOf(DecryptionError);
        flips += 1;
      }
    }
    expect(flips).toBe((12 + 5 + 16) * 8);
  });

  it("rejects a value moved to another row, column or user", async () => {
    const stored = await cipher.encrypt(canary, alice);
    await cipher.encrypt("bob's own text", { ...alice, userId: "bob" });
    for (const elsewhere of [
      { ...alice, rowId: "message-2" },
      { ...alice, field: "Episode.summary" as const },
      { ...alice, field: "ProfileFact.value" as const, rowId: "message-1" },
      { ...alice, userId: "bob" },
    ]) {
      await expect(cipher.decrypt(stored, elsewhere)).rejects.toBeInstanceOf(DecryptionError);
    }
    // Bob has no version 2: the swapped value names a key he never had.
    await expect(cipher.decrypt(stored.replace(/^rc1\.1\./, "rc1.2."), { ...alice, userId: "bob" })).rejects.toBeInstanceOf(DataKeyGoneError);
  });

  it("never shows altered framing as text: a well-formed value fails, a broken one reads back as the stored string (legacy text)", async () => {
    const stored = await cipher.encrypt(canary, alice);
    await store.insert({ userId: "alice", version: 2, wrappedKey: (await store.findByVersion("alice", 1))?.wrappedKey ?? "", masterVersion: 1 });
    const strict = createFieldCipher({ masterKeys, store, legacyPlaintext: "reject" });
    const wellFormed = [stored.replace(/^rc1\.1\./, "rc1.2."), withBit(stored, 3, 5)];
    // Each broken for certain: cutting the last character alone leaves a valid encoding now and then (random bytes).
    const broken = [`${stored.slice(0, -1)}!`, stored.replace(/^rc1\./, "rc2."), stored.replace(/^rc1\.1\./, "rc1.01."), stored.slice(0, 30), `${stored}.extra`, `${stored}=`];
    for (const value of [...wellFormed, ...broken]) {
      const error = await strict.decrypt(value, alice).then(
        () => null,
        (caught: unknown) => caught,
      );
      // Version 2's row was copied from version 1, so it does not even unwrap: its associated data names version 1.
      expect(error instanceof DecryptionError || error instanceof MasterKeyError).toBe(true);
      expect(String(error)).not.toContain("wedding");
    }
    for (const value of wellFormed) await expect(cipher.decrypt(value, alice)).rejects.toThrow(/does not decrypt|does not open/);
    for (const value of broken) expect(await cipher.decrypt(value, alice)).toBe(value);
  });

  it("reads back a user's own text that looks like a value, in either mode and across a switch", async () => {
    const plain = createFieldCipher({ masterKeys: null, store });
    const lookalikes = ["rc1.1.abc.def", "rc1.1.AAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBB", "rc-plain:already", "rc7. hello", "plain"];
    for (const text of lookalikes) {
      const storedPlain = await plain.encrypt(text, alice);
      expect(await plain.decrypt(storedPlain, alice)).toBe(text);
      // Written without a key, read after turning encryption on, then re-encrypted.
      expect(await cipher.decrypt(storedPlain, alice)).toBe(text);
      expect(await cipher.needsReencryption(storedPlain, "alice")).toBe(true);
      expect(await cipher.decrypt(await cipher.encrypt(text, alice), alice)).toBe(text);
    }
    // Legacy rows written before the escape existed: structurally broken values are text.
    expect(await plain.decrypt("rc1.1.abc.def", alice)).toBe("rc1.1.abc.def");
    expect(await cipher.decrypt("rc1.1.abc.def", alice)).toBe("rc1.1.abc.def");
  });

  it("reads plaintext from before encryption as it is, unless told to refuse it", async () => {
    expect(await cipher.decrypt("an old message", alice)).toBe("an old message");
    expect(await cipher.decrypt("rc: a message that starts like a tag", alice)).toBe("rc: a message that starts like a tag");
    expect(await cipher.needsReencryption("an old message", "alice")).toBe(true);
    const strict = createFieldCipher({ masterKeys, store, legacyPlaintext: "reject" });
    await expect(strict.decrypt("planted in the clear", alice)).rejects.toBeInstanceOf(DecryptionError);
    expect(await strict.decrypt(await strict.encrypt(canary, alice), alice)).toBe(canary);
  });

  it("fails with a clear error when the master key is another one, or its version is not configured", async () => {
    const stored = await cipher.encrypt(canary, alice);
    const wrongKey = restarted(parseMasterKeys(`1:${generateMasterKey()}`));
    await expect(wrongKey.decrypt(stored, alice)).rejects.toThrow(MasterKeyError);
    await expect(wrongKey.decrypt(stored, alice)).rejects.toThrow(/does not open with master key version 1/);
    const missing = restarted(parseMasterKeys(`2:${generateMasterKey()}`));
    await expect(missing.decrypt(stored, alice)).rejects.toThrow(/Master key version 1 is not configured.*pnpm keys:rotate/);
  });

  it("detects a wrapped key moved to another user", async () => {
    await cipher.encrypt(canary, alice);
    const bobValue = await cipher.encrypt("bob", { ...alice, userId: "bob" });
    store.overwrite({ userId: "bob", version: 1 }, { wrappedKey: (await store.findByVersion("alice", 1))?.wrappedKey ?? "" });
    await expect(restarted().decrypt(bobValue, { ...alice, userId: "bob" })).rejects.toBeInstanceOf(MasterKeyError);
  });

  it("erasure deletes the user's keys, forgets them, and later reads fail with DataKeyGoneError", async () => {
    const stored = await cipher.encrypt(canary, alice);
    const bobStored = await cipher.encrypt("bob stays", { ...alice, userId: "bob" });
    await cipher.decrypt(stored, alice);
    await cipher.eraseUser("alice");
    expect(await store.findCurrent("alice")).toBeNull();
    await expect(cipher.decrypt(stored, alice)).rejects.toBeInstanceOf(DataKeyGoneError);
    await expect(restarted().decrypt(stored, alice)).rejects.toThrow(/erased or retired/);
    expect(await cipher.decrypt(bobStored, { ...alice, userId: "bob" })).toBe("bob stays");
    // New text after erasure gets a new key: the old value stays unreadable.
    expect(await cipher.decrypt(await cipher.encrypt("fresh", alice), alice)).toBe("fresh");
    await expect(cipher.decrypt(stored, alice)).rejects.toBeInstanceOf(DecryptionError);
  });

  it("creates one first key when many writes for a new user race, across instances too", async () => {
    const other = restarted();
    const values = await Promise.all(Array.from({ length: 20 }, (_, index) => (index % 2 ? cipher : other).encrypt(`value ${index}`, { ...alice, rowId: `row-${index}` })));
    expect((await store.countByMasterVersion()).get(1)).toBe(1);
    for (const [index, value] of values.entries()) expect(await restarted().decrypt(value, { ...alice, rowId: `row-${index}` })).toBe(`value ${index}`);
  });

  it("keeps working past its cache bound", async () => {
    const small = createFieldCipher({ masterKeys, store, cachedUsers: 2 });
    const users = Array.from({ length: 6 }, (_, index) => ({ ...alice, userId: `user-${index}` }));
    const stored = await Promise.all(users.map((context) => small.encrypt(context.userId, context)));
    for (const [index, context] of users.entries()) expect(await small.decrypt(stored[index] ?? "", context)).toBe(context.userId);
    expect((await store.countByMasterVersion()).get(1)).toBe(6);
  });
});

describe("bytes (an upload in its queued job)", () => {
  const upload: FieldContext = { field: "IngestJob.bytes", rowId: "document-1", userId: "alice" };
  const bytes = Buffer.concat([Buffer.from(canary, "utf8"), Buffer.from([0, 255, 128, 7])]);

  it("seals raw bytes in the value format, opens them only in their own context, and refuses any altered bit", async () => {
    const stored = await cipher.encryptBytes(bytes, upload);
    expect(stored).toMatch(/^rc1\.1\./);
    expect(stored).not.toContain(bytes.toString("base64"));
    expect(Buffer.compare(await restarted().decryptBytes(stored, upload), bytes)).toBe(0);
    await expect(cipher.decryptBytes(stored, { ...upload, rowId: "document-2" })).rejects.toBeInstanceOf(DecryptionError);
    await cipher.encrypt("bob has a key too", { ...alice, userId: "bob" });
    await expect(cipher.decryptBytes(stored, { ...upload, userId: "bob" })).rejects.toBeInstanceOf(DecryptionError);
    await expect(cipher.decryptBytes(withBit(stored, 3, 9), upload)).rejects.toBeInstanceOf(DecryptionError);
    // A subarray of a bigger buffer seals just its own bytes.
    const inside = Buffer.concat([Buffer.from("before"), bytes, Buffer.from("after")]).subarray(6, 6 + bytes.length);
    expect(Buffer.compare(await cipher.decryptBytes(await cipher.encryptBytes(inside, upload), upload), bytes)).toBe(0);
  });

  it("is plain base64 in plaintext mode, and a plaintext-mode worker refuses sealed bytes with a clear error", async () => {
    const plain = createFieldCipher({ masterKeys: null, store });
    const stored = await plain.encryptBytes(bytes, upload);
    expect(stored).toBe(bytes.toString("base64"));
    expect(Buffer.compare(await plain.decryptBytes(stored, upload), bytes)).toBe(0);
    // Queued by a server without keys, run by one with them: read as it is (legacy), unless refused.
    expect(Buffer.compare(await cipher.decryptBytes(stored, upload), bytes)).toBe(0);
    await expect(createFieldCipher({ masterKeys, store, legacyPlaintext: "reject" }).decryptBytes(stored, upload)).rejects.toBeInstanceOf(DecryptionError);
    await expect(plain.decryptBytes(await cipher.encryptBytes(bytes, upload), upload)).rejects.toBeInstanceOf(EncryptionKeyMissingError);
  });
});

describe("term hasher", () => {
  it("hashes a term the same way for the same user, across restarts, and differently for another user", async () => {
    const hash = await cipher.termHasher("alice");
    const blind = hash("wedding");
    expect(blind).toMatch(/^[a-p]{16}$/);
    expect(hash("wedding")).toBe(blind);
    expect((await restarted().termHasher("alice"))("wedding")).toBe(blind);
    expect((await cipher.termHasher("bob"))("wedding")).not.toBe(blind);
    expect(hash("weddings")).not.toBe(blind);
    expect(new Set(Array.from({ length: 2000 }, (_, index) => hash(`term${index}`))).size).toBe(2000);
  });

  it("is an HMAC-SHA256 under an HKDF subkey of the data key, not the data key itself", async () => {
    if (!(cipher instanceof EncryptingFieldCipher)) throw new Error("expected encryption");
    const { key } = await cipher.keyring.currentKey("alice");
    const subkey = Buffer.from(hkdfSync("sha256", key, Buffer.alloc(0), documentTermsKeyLabel, 32));
    const letters = (digest: Buffer): string => [...digest.subarray(0, 8)].map((byte) => String.fromCharCode(97 + (byte >> 4), 97 + (byte & 15))).join("");
    const blind = (await cipher.termHasher("alice"))("café");
    expect(blind).toBe(letters(createHmac("sha256", subkey).update("café", "utf8").digest()));
    expect(blind).not.toBe(letters(createHmac("sha256", key).update("café", "utf8").digest()));
  });

  it("after erasure the old terms are unreachable: the user's next key hashes differently", async () => {
    const before = (await cipher.termHasher("alice"))("wedding");
    await cipher.eraseUser("alice");
    expect((await cipher.termHasher("alice"))("wedding")).not.toBe(before);
  });

  it("is the identity in plaintext mode", async () => {
    const hash = await createFieldCipher({ masterKeys: null, store }).termHasher("alice");
    expect(hash("wedding")).toBe("wedding");
    expect(hash("日本")).toBe("日本");
  });
});

describe("plaintext mode", () => {
  it("is the identity, says so, and refuses ciphertext instead of showing it as text", async () => {
    const plain = createFieldCipher({ masterKeys: null, store });
    expect(plain.mode).toBe("plaintext");
    expect(plain.describe()).toMatch(/stores text in the clear/);
    expect(await plain.encrypt(canary, alice)).toBe(canary);
    expect(await plain.decrypt(canary, alice)).toBe(canary);
    expect(await plain.needsReencryption(canary, "alice")).toBe(false);
    const encrypted = await cipher.encrypt(canary, alice);
    await expect(plain.decrypt(encrypted, alice)).rejects.toBeInstanceOf(EncryptionKeyMissingError);
    await expect(plain.decrypt(encrypted, alice)).rejects.toThrow(/set RECALL_ENCRYPTION_KEYS/);
  });
});
