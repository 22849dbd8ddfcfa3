import { createFieldCipher } from "./field-cipher.ts";
import { generateMasterKey, parseMasterKeys } from "./master-keys.ts";
import { MemoryUserKeyStore } from "./memory-user-key-store.ts";

export interface CipherThroughput {
  valueBytes: number;
  values: number;
  encryptPerSecond: number;
  decryptPerSecond: number;
}

/**
 * Values per second through the field cipher with a warm key cache (the steady state of a
 * server): what encryption adds to each stored or read message. Not a test: no thresholds.
 */
export async function measureCipherThroughput(options: { valueBytes?: number; values?: number; users?: number } = {}): Promise<CipherThroughput> {
  const valueBytes = options.valueBytes ?? 1000;
  const values = options.values ?? 20_000;
  const users = options.users ?? 10;
  const cipher = createFieldCipher({ masterKeys: parseMasterKeys(`1:${generateMasterKey()}`), store: new MemoryUserKeyStore() });
  const text = "x".repeat(valueBytes);
  const contexts = Array.from({ length: values }, (_, index) => ({ field: "Message.content" as const, rowId: `row-${index}`, userId: `user-${index % users}` }));
  for (let user = 0; user < users; user += 1) await cipher.encrypt(text, { field: "Message.content", rowId: "warm", userId: `user-${user}` });

  const encryptStart = performance.now();
  const stored: string[] = [];
  for (const context of contexts) stored.push(await cipher.encrypt(text, context));
  const encryptMs = performance.now() - encryptStart;

  const decryptStart = performance.now();
  for (const [index, context] of contexts.entries()) await cipher.decrypt(stored[index] ?? "", context);
  const decryptMs = performance.now() - decryptStart;

  return { valueBytes, values, encryptPerSecond: Math.round(values / (encryptMs / 1000)), decryptPerSecond: Math.round(values / (decryptMs / 1000)) };
}
