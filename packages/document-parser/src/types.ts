import type { DocumentRefusal, ExtractedDocument } from "@recall/documents";

/** What a parse found out about the worker that ran it, for logs and the benchmark. */
export interface ParseStats {
  /** Largest V8 heap in use (used_heap_size plus external memory) seen in the worker during this parse. */
  workerHeapPeakBytes: number;
  /** Wall time from handing the bytes to a worker to its answer. */
  durationMs: number;
}

export type ParseOutcome =
  | { ok: true; document: ExtractedDocument; warnings: string[]; stats: ParseStats }
  | { ok: false; refusal: DocumentRefusal };

/** The worker's half of an outcome: stats are added by the pool. */
export type ExtractOutcome =
  | { ok: true; document: ExtractedDocument; warnings: string[] }
  | { ok: false; refusal: DocumentRefusal };

export type ProgressListener = (done: number, total: number) => void;
