/** How much one parse may take; every figure bounds untrusted input. */
export interface ParserLimits {
  /** Bigger files are refused (`too_large`) before any worker sees them. */
  maxBytes: number;
  /** PDFs with more pages are refused (`too_many_pages`) before any page is read. */
  maxPages: number;
  /** A parse still running after this is killed (`too_slow`). */
  timeoutMs: number;
  /** A worker's old-generation heap; exceeding it kills the worker (`too_much_memory`). */
  workerMemoryMb: number;
  /** DOCX (zip) limits, checked before anything is inflated for real: beyond them, `zip_bomb`. */
  maxZipEntries: number;
  maxUncompressedBytes: number;
  maxCompressionRatio: number;
  /** Workers in the pool; parses beyond that wait their turn. */
  workers: number;
}

export const defaultParserLimits: ParserLimits = Object.freeze({
  maxBytes: 20 * 1024 * 1024,
  maxPages: 500,
  timeoutMs: 60_000,
  workerMemoryMb: 256,
  maxZipEntries: 2_000,
  maxUncompressedBytes: 100 * 1024 * 1024,
  maxCompressionRatio: 100,
  workers: 1,
});

/** What the worker needs of the limits (time and memory are enforced from outside it). */
export type WorkerLimits = Pick<ParserLimits, "maxPages" | "maxZipEntries" | "maxUncompressedBytes" | "maxCompressionRatio">;
