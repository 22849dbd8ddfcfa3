import { describeError } from "../errors.ts";
import type { FieldCipher } from "./field-cipher.ts";
import type { EncryptedField } from "./value-format.ts";

export interface StoredFieldValue {
  rowId: string;
  userId: string;
  value: string;
}

/** One encrypted column, as the re-encryption driver sees it. The lead's stores implement one per table/column. */
export interface ReencryptionSource {
  readonly field: EncryptedField;
  /** Rows after `after` (a rowId) in a stable order, optionally of one user only. Null values are left out. */
  readBatch(query: { after: string | null; limit: number; userId?: string }): Promise<StoredFieldValue[]>;
  /** Compare-and-set: writes `next` only while the stored value is still `expected`; false if it changed. */
  writeValue(row: { rowId: string; userId: string }, expected: string, next: string): Promise<boolean>;
}

export interface ReencryptionResult {
  field: EncryptedField;
  scanned: number;
  rewritten: number;
  /** Written by someone else between read and write: a newer value, already current. */
  changed: number;
  /** Rows that did not decrypt; ids and error kinds only. */
  failed: Array<{ rowId: string; userId: string; error: string }>;
}

export interface ReencryptOptions {
  cipher: FieldCipher;
  source: ReencryptionSource;
  userId?: string;
  batchSize?: number;
  onBatch?: (progress: ReencryptionResult) => void;
}

/**
 * Brings every value of a column under its owner's current data key: legacy plaintext is
 * encrypted, values under older versions are decrypted and encrypted again. Online: each
 * write is compare-and-set, readers accept every version still present, and a run can be
 * repeated. Retire a user's old versions only after a run that found nothing to rewrite.
 */
export async function reencryptValues(options: ReencryptOptions): Promise<ReencryptionResult> {
  const { cipher, source } = options;
  const result: ReencryptionResult = { field: source.field, scanned: 0, rewritten: 0, changed: 0, failed: [] };
  let after: string | null = null;
  for (;;) {
    const batch = await source.readBatch({ after, limit: options.batchSize ?? 200, userId: options.userId });
    if (batch.length === 0) break;
    for (const row of batch) {
      result.scanned += 1;
      try {
        if (!(await cipher.needsReencryption(row.value, row.userId))) continue;
        const context = { field: source.field, rowId: row.rowId, userId: row.userId };
        const next = await cipher.encrypt(await cipher.decrypt(row.value, context), context);
        if (await source.writeValue(row, row.value, next)) result.rewritten += 1;
        else result.changed += 1;
      } catch (error) {
        result.failed.push({ rowId: row.rowId, userId: row.userId, error: describeError(error).name });
      }
    }
    after = batch.at(-1)?.rowId ?? null;
    options.onBatch?.(result);
  }
  return result;
}
