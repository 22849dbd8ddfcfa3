import { openDatabase } from "@recall/db";
import { commandMasterKeys, type KeyCommand } from "./key-command.ts";
import type { MasterKeys } from "./master-keys.ts";
import { PrismaUserKeyStore } from "./prisma-user-key-store.ts";
import { removableMasterVersions, rewrapDataKeys } from "./rewrap-data-keys.ts";

export type KeyRotationCommand = KeyCommand;

const usage = "Usage: pnpm keys:rotate [--status]\n  Rewraps every user's data key under the newest master key in RECALL_ENCRYPTION_KEYS; --status only counts.";

/** `pnpm keys:rotate`: master-key rotation, online. Returns the exit code. Prints counts and versions, never keys. */
export async function runKeyRotationCommand(command: KeyRotationCommand): Promise<number> {
  const { print } = command;
  const unknown = command.argv.filter((argument) => argument !== "--status");
  if (unknown.length > 0) {
    print(usage);
    return 2;
  }
  const masterKeys = await commandMasterKeys(command.masterKeySetting, print, "nothing to rotate");
  if (!masterKeys) return 1;
  const database = await openDatabase({ url: command.databaseUrl });
  try {
    const store = new PrismaUserKeyStore(database.prisma);
    if (command.argv.includes("--status")) {
      printCounts(print, masterKeys, await store.countByMasterVersion());
      return 0;
    }
    print(`Rewrapping data keys under master key version ${masterKeys.currentVersion}...`);
    const result = await rewrapDataKeys({ store, masterKeys });
    print(`Rewrapped ${result.rewrapped} data key(s); ${result.skipped} changed during the run; ${result.failed.length} failed.`);
    for (const failure of result.failed) print(`  user ${failure.userId} key version ${failure.version} (master ${failure.masterVersion}): ${failure.error}`);
    printCounts(print, masterKeys, result.keysByMasterVersion);
    return result.failed.length === 0 ? 0 : 1;
  } finally {
    await database.close();
  }
}

function printCounts(print: (line: string) => void, masterKeys: MasterKeys, counts: ReadonlyMap<number, number>): void {
  const { currentVersion } = masterKeys;
  const versions = [...new Set([...counts.keys(), ...masterKeys.keys.keys()])].sort((a, b) => b - a);
  for (const version of versions) {
    const note = version === currentVersion ? " (current)" : masterKeys.keys.has(version) ? "" : " (NOT CONFIGURED: these keys cannot be opened)";
    print(`  master version ${version}${note}: ${counts.get(version) ?? 0} data key(s)`);
  }
  const removable = removableMasterVersions({ currentVersion, versions: masterKeys.keys.keys() }, counts);
  if (removable.length > 0) print(`Master key version(s) ${removable.join(", ")} wrap nothing any more and may be removed from the configuration.`);
}
