// What the key commands (`keys:rotate`, `keys:reencrypt`) share: reading the master keys and running as a CLI.
import { ConfigError, loadConfig } from "../env.ts";
import { EncryptionConfigError } from "./errors/encryption-config-error.ts";
import { loadMasterKeys, type MasterKeySetting } from "./master-key-setting.ts";
import type { MasterKeys } from "./master-keys.ts";

export interface KeyCommand {
  argv: readonly string[];
  databaseUrl: string;
  masterKeySetting: MasterKeySetting;
  print: (line: string) => void;
}

/** The configured master keys, or null after saying why there are none (`purpose`: what the command would do with them). */
export async function commandMasterKeys(setting: MasterKeySetting, print: (line: string) => void, purpose: string): Promise<MasterKeys | null> {
  let masterKeys: MasterKeys | null;
  try {
    masterKeys = await loadMasterKeys(setting);
  } catch (error) {
    if (!(error instanceof EncryptionConfigError)) throw error;
    print(error.message);
    return null;
  }
  if (!masterKeys) print(`No master keys configured (RECALL_ENCRYPTION_KEYS or RECALL_ENCRYPTION_KEYS_FILE): ${purpose}.`);
  return masterKeys;
}

/** Runs a key command with the server's configuration and sets the exit code; errors print names and messages only (never key material). */
export async function runKeyCli(run: (command: KeyCommand) => Promise<number>): Promise<void> {
  try {
    const config = loadConfig();
    process.exitCode = await run({
      argv: process.argv.slice(2),
      databaseUrl: config.databaseUrl,
      masterKeySetting: { keys: config.encryptionKeys ?? undefined, keysFile: config.encryptionKeysFile ?? undefined },
      print: (line) => console.log(line),
    });
  } catch (error) {
    console.error(error instanceof ConfigError || !(error instanceof Error) ? String(error instanceof Error ? error.message : error) : `${error.name}: ${error.message}`);
    process.exitCode = 1;
  }
}
