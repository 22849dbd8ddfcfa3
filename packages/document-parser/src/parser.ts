import { defaultParserLimits, type ParserLimits } from "./limits.ts";
import { cleanDocumentName } from "./name.ts";
import { WorkerPool } from "./pool.ts";
import { refusals } from "./refusals.ts";
import type { ParseOutcome, ProgressListener } from "./types.ts";

export interface DocumentParser {
  /**
   * Reads a file's text and structure, or says in words why not. Resolves with a refusal for
   * anything wrong with the file (its size, type, damage, or what reading it would cost); it
   * rejects only when the parser is closed or its worker cannot start at all.
   */
  parse(bytes: Uint8Array, fileName: string, onProgress?: ProgressListener): Promise<ParseOutcome>;
  /** Stops the workers; parses still waiting or running reject. */
  close(): Promise<void>;
}

export function createDocumentParser(limits: ParserLimits = defaultParserLimits): DocumentParser {
  for (const [name, value] of Object.entries(limits)) {
    if (typeof value !== "number" || !(value > 0)) throw new Error(`Document parser limit ${name} must be a positive number (got ${String(value)}).`);
  }
  const pool = new WorkerPool(limits);
  return {
    async parse(bytes, fileName, onProgress) {
      if (bytes.byteLength === 0) return { ok: false, refusal: refusals.empty() };
      // Before any worker: a file over the limit is never copied or looked at.
      if (bytes.byteLength > limits.maxBytes) return { ok: false, refusal: refusals.tooLarge(bytes.byteLength, limits.maxBytes) };
      return pool.run(bytes, cleanDocumentName(fileName), onProgress);
    },
    close: () => pool.close(),
  };
}
