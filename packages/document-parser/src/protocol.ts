import type { WorkerLimits } from "./limits.ts";
import type { ExtractOutcome } from "./types.ts";

/** Messages between the pool (pool.ts) and a worker (worker.ts). */
export interface WorkerRequest {
  id: number;
  /** Its buffer is transferred, not copied. */
  bytes: Uint8Array;
  fileName: string;
  limits: WorkerLimits;
}

export type WorkerReply =
  | { type: "ready" }
  | { type: "progress"; id: number; done: number; total: number }
  | { type: "done"; id: number; outcome: ExtractOutcome; heapPeakBytes: number };
