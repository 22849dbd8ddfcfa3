// `pnpm keys:reencrypt [--status] [--rotate-data-keys] [--retire] [--user <id>]`: online re-encryption of every encrypted column.
import { ConfigError, loadConfig } from "../env.ts";
import { runReencryptCommand } from "./reencrypt-command.ts";

try {
  const config = loadConfig();
  process.exitCode = await runReencryptCommand({
    argv: process.argv.slice(2),
    databaseUrl: config.databaseUrl,
    masterKeySetting: { keys: config.encryptionKeys ?? undefined, keysFile: config.encryptionKeysFile ?? undefined },
    print: (line) => console.log(line),
  });
} catch (error) {
  // Names and messages only: no stack, and nothing here carries text or key material.
  console.error(error instanceof ConfigError || !(error instanceof Error) ? String(error instanceof Error ? error.message : error) : `${error.name}: ${error.message}`);
  process.exitCode = 1;
}
