// `pnpm keys:rotate [--status]`: rewraps every user's data key under the newest master key.
import { runKeyCli } from "./key-command.ts";
import { runKeyRotationCommand } from "./key-rotation-command.ts";

await runKeyCli(runKeyRotationCommand);
