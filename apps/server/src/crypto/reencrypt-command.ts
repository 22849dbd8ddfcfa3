import { openDatabase, type DatabaseProvider, type PrismaClient } from "@recall/db";
import { DeletedDataScrubber } from "../account/deleted-data.ts";
import { reindexDocuments } from "../documents/reindex-documents.ts";
import { encryptedColumns } from "./encrypted-columns.ts";
import { EncryptingFieldCipher, createFieldCipher } from "./field-cipher.ts";
import { commandMasterKeys, type KeyCommand } from "./key-command.ts";
import type { MasterKeys } from "./master-keys.ts";
import { PrismaUserKeyStore } from "./prisma-user-key-store.ts";
import { reencryptValues, type ReencryptionResult } from "./reencrypt-values.ts";
import { parseStoredValue } from "./value-format.ts";

export interface ReencryptCommand extends KeyCommand {
  /** Servers trust a cached current key this long (their cipher's cacheTtlMs): a newer key is retired-safe only after it. */
  serverKeyCacheMs?: number;
  now?: () => Date;
}

const usage = `Usage: pnpm keys:reencrypt [--status] [--rotate-data-keys] [--retire] [--user <id>] [--batch <n>]
  Encrypts text stored in the clear and re-encrypts values under older data-key versions, in batches,
  while the server runs (each write is compare-and-set). --rotate-data-keys first gives every user
  (with --user: that user) a new data key. --retire then deletes the older data-key versions of users
  whose every value is under the current one and whose current key is older than the servers' key cache.
  --status only counts values by state.`;

interface Arguments {
  status: boolean;
  rotate: boolean;
  retire: boolean;
  userId: string | undefined;
  batchSize: number;
}

function parseArguments(argv: readonly string[]): Arguments | null {
  const parsed: Arguments = { status: false, rotate: false, retire: false, userId: undefined, batchSize: 200 };
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index];
    if (argument === "--status") parsed.status = true;
    else if (argument === "--rotate-data-keys") parsed.rotate = true;
    else if (argument === "--retire") parsed.retire = true;
    else if (argument === "--user" && argv[index + 1]) parsed.userId = argv[++index];
    else if (argument === "--batch" && /^[1-9][0-9]{0,4}$/.test(argv[index + 1] ?? "")) parsed.batchSize = Number(argv[++index]);
    else return null;
  }
  return parsed;
}

/** `pnpm keys:reencrypt`: online re-encryption of every encrypted column. Returns the exit code. Prints counts and ids, never text or keys. */
export async function runReencryptCommand(command: ReencryptCommand): Promise<number> {
  const { print } = command;
  const options = parseArguments(command.argv);
  if (!options) {
    print(usage);
    return 2;
  }
  const masterKeys = await commandMasterKeys(command.masterKeySetting, print, "nothing to encrypt with");
  if (!masterKeys) return 1;
  const database = await openDatabase({ url: command.databaseUrl });
  try {
    const code = await reencryptDatabase(database.prisma, masterKeys, options, command, database.provider);
    if (!options.status) await scrubReplacedText(database.prisma, database.provider);
    return code;
  } finally {
    await database.close();
  }
}

async function reencryptDatabase(prisma: PrismaClient, masterKeys: MasterKeys, options: Arguments, command: ReencryptCommand, provider: DatabaseProvider): Promise<number> {
  const { print } = command;
  const store = new PrismaUserKeyStore(prisma);
  // Its own short cache: a rotation made by this run is current for it at once.
  const cipher = createFieldCipher({ masterKeys, store, cacheTtlMs: 60_000 });
  if (!(cipher instanceof EncryptingFieldCipher)) return 1;
  const columns = encryptedColumns(prisma);
  if (options.status) {
    for (const source of columns) {
      const counts = new Map<string, number>();
      for (let after: string | null = null; ; ) {
        const batch = await source.readBatch({ after, limit: 1000, userId: options.userId });
        if (batch.length === 0) break;
        for (const row of batch) {
          const parsed = parseStoredValue(row.value);
          const state = parsed.kind === "encrypted" ? `data key v${parsed.version}` : "in the clear";
          counts.set(state, (counts.get(state) ?? 0) + 1);
        }
        after = batch.at(-1)?.rowId ?? null;
      }
      const parts = [...counts].map(([state, count]) => `${count} ${state}`);
      print(`${source.field}: ${parts.length > 0 ? parts.join(", ") : "no values"}`);
    }
    return 0;
  }

  if (options.rotate) {
    const users = options.userId !== undefined ? [options.userId] : await usersWithKeys(prisma);
    for (const userId of users) await cipher.keyring.rotate(userId);
    print(`Rotated the data keys of ${users.length} user(s).`);
  }

  const results: ReencryptionResult[] = [];
  for (const source of columns) {
    const result = await reencryptValues({ cipher, source, userId: options.userId, batchSize: options.batchSize });
    results.push(result);
    print(`${source.field}: scanned ${result.scanned}, rewrote ${result.rewritten}, ${result.changed} changed meanwhile, ${result.failed.length} failed.`);
    for (const failure of result.failed.slice(0, 20)) print(`  row ${failure.rowId} of user ${failure.userId}: ${failure.error}`);
  }
  // Documents' search terms are keyed by the current data key: index them again under it.
  const reindexed = await reindexDocuments({ prisma, provider, databaseUrl: command.databaseUrl, cipher, userId: options.userId });
  print(`Documents: indexed ${reindexed} again under the current data keys.`);
  const failedUsers = new Set(results.flatMap((result) => result.failed.map((failure) => failure.userId)));
  if (!options.retire) return failedUsers.size === 0 ? 0 : 1;

  // A value rewritten or changed during this pass may have been written by a server under an
  // older cached key: retire only after a pass that found everything current.
  const dirty = results.some((result) => result.rewritten > 0 || result.changed > 0);
  if (dirty) {
    print("Not retiring: this pass still rewrote values. Run it again with --retire.");
    return failedUsers.size === 0 ? 0 : 1;
  }
  const settleMs = command.serverKeyCacheMs ?? 300_000;
  const now = (command.now ?? (() => new Date()))().getTime();
  let retired = 0;
  let waiting = 0;
  for (const userId of options.userId !== undefined ? [options.userId] : await usersWithKeys(prisma)) {
    if (failedUsers.has(userId)) continue;
    const current = await store.findCurrent(userId);
    if (!current) continue;
    if (now - current.createdAt.getTime() < settleMs) {
      waiting += 1;
      continue;
    }
    retired += await cipher.keyring.retireVersionsBelow(userId, current.version);
  }
  print(`Retired ${retired} older data key version(s)${waiting > 0 ? `; ${waiting} user(s) have a key newer than the servers' key cache: run --retire again in ${Math.ceil(settleMs / 60_000)} minutes` : ""}.`);
  return failedUsers.size === 0 ? 0 : 1;
}

/** The values replaced (plaintext or under a retired key) must not stay in the WAL (SQLite). */
async function scrubReplacedText(prisma: PrismaClient, provider: DatabaseProvider): Promise<void> {
  await new DeletedDataScrubber(prisma, provider).scrub();
}

async function usersWithKeys(prisma: PrismaClient): Promise<string[]> {
  const rows = await prisma.userKey.findMany({ distinct: ["userId"], select: { userId: true }, orderBy: { userId: "asc" } });
  return rows.map((row) => row.userId);
}
