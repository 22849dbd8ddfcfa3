import { readFile } from "node:fs/promises";
import { EncryptionConfigError } from "./errors/encryption-config-error.ts";
import { parseMasterKeys, type MasterKeys } from "./master-keys.ts";

export interface MasterKeySetting {
  /** RECALL_ENCRYPTION_KEYS: `2:<base64>,1:<base64>`. */
  keys?: string | undefined;
  /** RECALL_ENCRYPTION_KEYS_FILE: a file holding the same, one entry per line or comma-separated. */
  keysFile?: string | undefined;
}

/** The configured master keys, or null when neither setting is given (plaintext mode). */
export async function loadMasterKeys(setting: MasterKeySetting): Promise<MasterKeys | null> {
  const inline = setting.keys?.trim() || undefined;
  const file = setting.keysFile?.trim() || undefined;
  if (inline && file) throw new EncryptionConfigError("Set RECALL_ENCRYPTION_KEYS or RECALL_ENCRYPTION_KEYS_FILE, not both.");
  if (inline) return parseMasterKeys(inline);
  if (!file) return null;
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new EncryptionConfigError(`RECALL_ENCRYPTION_KEYS_FILE ${file} cannot be read (${typeof code === "string" ? code : "error"}).`);
  }
  return parseMasterKeys(text);
}
