// `pnpm keys:reencrypt [--status] [--rotate-data-keys] [--retire] [--user <id>]`: online re-encryption of every encrypted column.
import { runKeyCli } from "./key-command.ts";
import { runReencryptCommand } from "./reencrypt-command.ts";

await runKeyCli(runReencryptCommand);
