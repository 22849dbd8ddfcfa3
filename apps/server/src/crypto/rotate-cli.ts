// `pnpm keys:rotate [--status]`: rewraps every user's data key under the newest master key.
import { ConfigError, loadConfig } from "../env.ts";
import { runKeyRotationCommand } from "./key-rotation-command.ts";

try {
  const config = loadConfig();
  process.exitCode = await runKeyRotationCommand({
    argv: process.argv.slice(2),
    databaseUrl: config.databaseUrl,
    masterKeySetting: { keys: config.encryptionKeys ?? undefined, keysFile: config.encryptionKeysFile ?? undefined },
    print: (line) => console.log(line),
  });
} catch (error) {
  // Names and messages only: no stack, and nothing here carries key material.
  console.error(error instanceof ConfigError || !(error instanceof Error) ? String(error instanceof Error ? error.message : error) : `${error.name}: ${error.message}`);
  process.exitCode = 1;
}
