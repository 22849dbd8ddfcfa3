import { describeError } from "../errors.ts";
import { unwrapDataKey, wrapDataKey } from "./key-wrapping.ts";
import type { MasterKeys } from "./master-keys.ts";
import type { UserKeyCursor, UserKeyStore } from "./user-key-store.ts";

export interface RewrapResult {
  /** Keys now wrapped by the current master version. */
  rewrapped: number;
  /** Keys that changed under us (erased or rewrapped by another run): nothing to do. */
  skipped: number;
  /** Keys that could not be opened; their error's kind and message, never key material. */
  failed: Array<UserKeyCursor & { masterVersion: number; error: string }>;
  /** Keys per master version after the run: a version at 0 (absent) may be removed from configuration. */
  keysByMasterVersion: Map<number, number>;
}

export interface RewrapOptions {
  store: UserKeyStore;
  masterKeys: MasterKeys;
  batchSize?: number;
  onBatch?: (progress: { rewrapped: number; skipped: number; failed: number }) => void;
}

/**
 * Master-key rotation: every data key not yet wrapped by the current master version is
 * unwrapped with its own version and wrapped again. Values are untouched, readers keep
 * working throughout (each row is read with the version it names), and a run can be
 * stopped and started again.
 */
export async function rewrapDataKeys(options: RewrapOptions): Promise<RewrapResult> {
  const { store, masterKeys } = options;
  const result: RewrapResult = { rewrapped: 0, skipped: 0, failed: [], keysByMasterVersion: new Map() };
  let after: UserKeyCursor | null = null;
  for (;;) {
    const batch = await store.listForRewrap({ notMasterVersion: masterKeys.currentVersion, after, limit: options.batchSize ?? 500 });
    if (batch.length === 0) break;
    for (const row of batch) {
      const identity = { userId: row.userId, version: row.version };
      try {
        const dataKey = unwrapDataKey(row.wrappedKey, identity, row.masterVersion, masterKeys);
        const updated = await store.updateWrapping(identity, row.masterVersion, wrapDataKey(dataKey, identity, masterKeys));
        if (updated) result.rewrapped += 1;
        else result.skipped += 1;
      } catch (error) {
        const kind = describeError(error).name;
        result.failed.push({ ...identity, masterVersion: row.masterVersion, error: error instanceof Error ? `${kind}: ${error.message}` : kind });
      }
    }
    const last = batch.at(-1);
    after = last ? { userId: last.userId, version: last.version } : null;
    options.onBatch?.({ rewrapped: result.rewrapped, skipped: result.skipped, failed: result.failed.length });
  }
  result.keysByMasterVersion = await store.countByMasterVersion();
  return result;
}

/** The master versions still configured that no key needs any more. */
export function removableMasterVersions(masterKeys: Pick<MasterKeys, "currentVersion"> & { versions: Iterable<number> }, keysByMasterVersion: ReadonlyMap<number, number>): number[] {
  return [...masterKeys.versions].filter((version) => version !== masterKeys.currentVersion && !keysByMasterVersion.get(version)).sort((a, b) => a - b);
}
