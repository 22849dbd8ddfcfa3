/**
 * The worker thread that reads untrusted files (see pool.ts for the limits around it). It runs
 * as plain Node (type stripping), so it and everything it imports use erasable syntax only.
 */
import { getHeapStatistics } from "node:v8";
import { parentPort } from "node:worker_threads";
import { extract } from "./extract.ts";
import { refusals } from "./refusals.ts";
import type { WorkerReply, WorkerRequest } from "./protocol.ts";
import type { ExtractOutcome } from "./types.ts";

if (parentPort === null) throw new Error("worker.ts runs only as a worker thread (pool.ts starts it)");
const port = parentPort;
const send = (reply: WorkerReply): void => port.postMessage(reply);

/** Committed heap plus ArrayBuffers: what this parse holds, garbage included. */
function heapNow(): number {
  const statistics = getHeapStatistics() as ReturnType<typeof getHeapStatistics> & { external_memory?: number };
  return statistics.total_heap_size + (statistics.external_memory ?? 0);
}

/** Between awaits, often enough to catch the peak of a page or of mammoth's conversion. */
const heapSampleMs = 10;

port.on("message", (request: WorkerRequest) => {
  let peak = heapNow();
  const sample = (): void => {
    peak = Math.max(peak, heapNow());
  };
  const sampler = setInterval(sample, heapSampleMs);
  const onProgress = (done: number, total: number): void => {
    sample();
    send({ type: "progress", id: request.id, done, total });
  };
  extract(request.bytes, request.fileName, request.limits, onProgress)
    .catch((): ExtractOutcome => ({ ok: false, refusal: refusals.corrupt() }))
    .then((outcome) => {
      clearInterval(sampler);
      sample();
      send({ type: "done", id: request.id, outcome, heapPeakBytes: peak });
    });
});

send({ type: "ready" });
