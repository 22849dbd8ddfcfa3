import { Worker } from "node:worker_threads";
import type { ParserLimits, WorkerLimits } from "./limits.ts";
import type { WorkerReply, WorkerRequest } from "./protocol.ts";
import { refusals } from "./refusals.ts";
import type { ParseOutcome, ProgressListener } from "./types.ts";

/**
 * A few worker threads that parse one file at a time each, reused across parses. Each runs with
 * a V8 heap limit (resourceLimits) and a clock: a worker over its time is terminated (`too_slow`),
 * one over its heap dies by itself (`too_much_memory`), any other crash is a `corrupt` file; in
 * every case the slot gets a fresh worker for the next parse and the caller gets a refusal.
 */
interface Job {
  bytes: Uint8Array;
  fileName: string;
  onProgress: ProgressListener | undefined;
  resolve: (outcome: ParseOutcome) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker | null;
  ready: Promise<void> | null;
  job: { id: number; job: Job; timer: NodeJS.Timeout | null; startedAt: number } | null;
}

/** A worker that has not said it is ready by then is broken (not the file's fault). */
const startupTimeoutMs = 30_000;
const workerUrl = new URL("./worker.ts", import.meta.url);

export class WorkerPool {
  readonly #limits: ParserLimits;
  readonly #workerLimits: WorkerLimits;
  readonly #slots: Slot[];
  readonly #queue: Job[] = [];
  #nextId = 1;
  #closed = false;

  constructor(limits: ParserLimits) {
    this.#limits = limits;
    this.#workerLimits = {
      maxPages: limits.maxPages,
      maxZipEntries: limits.maxZipEntries,
      maxUncompressedBytes: limits.maxUncompressedBytes,
      maxCompressionRatio: limits.maxCompressionRatio,
    };
    this.#slots = Array.from({ length: Math.max(1, Math.floor(limits.workers)) }, () => ({ worker: null, ready: null, job: null }));
  }

  run(bytes: Uint8Array, fileName: string, onProgress: ProgressListener | undefined): Promise<ParseOutcome> {
    if (this.#closed) return Promise.reject(new Error("The document parser is closed."));
    return new Promise((resolve, reject) => {
      // Our own copy, whose buffer goes to the worker without a second copy; the caller keeps its bytes.
      this.#queue.push({ bytes: bytes.slice(), fileName, onProgress, resolve, reject });
      this.#pump();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    const closedError = new Error("The document parser was closed before this file was read.");
    for (const job of this.#queue.splice(0)) job.reject(closedError);
    await Promise.all(
      this.#slots.map(async (slot) => {
        const running = slot.job;
        slot.job = null;
        if (running) {
          if (running.timer) clearTimeout(running.timer);
          running.job.reject(closedError);
        }
        const worker = slot.worker;
        slot.worker = null;
        slot.ready = null;
        if (worker) await worker.terminate();
      }),
    );
  }

  #pump(): void {
    for (const slot of this.#slots) {
      if (this.#queue.length === 0 || this.#closed) return;
      if (slot.job === null) this.#start(slot, this.#queue.shift()!);
    }
  }

  #start(slot: Slot, job: Job): void {
    const id = this.#nextId++;
    slot.job = { id, job, timer: null, startedAt: performance.now() };
    const worker = this.#workerFor(slot);
    worker.ref();
    slot.ready!.then(
      () => {
        if (slot.job?.id !== id) return;
        slot.job.startedAt = performance.now();
        slot.job.timer = setTimeout(() => {
          if (slot.job?.id !== id) return;
          this.#replace(slot, worker);
          this.#finish(slot, id, { ok: false, refusal: refusals.tooSlow(this.#limits.timeoutMs / 1000) });
        }, this.#limits.timeoutMs);
        const request: WorkerRequest = { id, bytes: job.bytes, fileName: job.fileName, limits: this.#workerLimits };
        worker.postMessage(request, [job.bytes.buffer as ArrayBuffer]);
      },
      (error: Error) => {
        if (slot.job?.id !== id) return;
        const running = slot.job;
        slot.job = null;
        running.job.reject(error);
        this.#pump();
      },
    );
  }

  #workerFor(slot: Slot): Worker {
    if (slot.worker) return slot.worker;
    const heapMb = Math.max(1, Math.floor(this.#limits.workerMemoryMb));
    const worker = new Worker(workerUrl, {
      resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: Math.max(2, Math.min(16, Math.floor(heapMb / 16))) },
    });
    slot.worker = worker;
    let started = false;
    slot.ready = new Promise<void>((resolve, reject) => {
      const startup = setTimeout(() => {
        this.#replace(slot, worker);
        reject(new Error("The document parser's worker did not start."));
      }, startupTimeoutMs);
      startup.unref();
      worker.on("message", (reply: WorkerReply) => {
        if (reply.type === "ready") {
          started = true;
          clearTimeout(startup);
          resolve();
        } else this.#onReply(slot, reply);
      });
      worker.on("error", (error: Error & { code?: string }) => {
        clearTimeout(startup);
        if (slot.worker === worker) {
          slot.worker = null;
          slot.ready = null;
        }
        const outOfMemory = error.code === "ERR_WORKER_OUT_OF_MEMORY";
        // A worker that cannot even start (no type stripping, a missing module) is our fault, not the file's.
        if (!started && !outOfMemory) {
          reject(new Error(`The document parser's worker failed to start: ${error.message}`));
          return;
        }
        const running = slot.job;
        if (running) this.#finish(slot, running.id, { ok: false, refusal: outOfMemory ? refusals.tooMuchMemory() : refusals.corrupt() });
      });
      worker.on("exit", () => {
        clearTimeout(startup);
        if (slot.worker === worker) {
          slot.worker = null;
          slot.ready = null;
          const running = slot.job;
          if (running) this.#finish(slot, running.id, { ok: false, refusal: refusals.corrupt() });
        }
      });
    });
    // Settled by the listeners above; a rejection nobody waits for must not surface as unhandled.
    slot.ready.catch(() => undefined);
    return worker;
  }

  #onReply(slot: Slot, reply: WorkerReply): void {
    const running = slot.job;
    if (reply.type === "ready" || running === null || reply.id !== running.id) return;
    if (reply.type === "progress") {
      try {
        running.job.onProgress?.(reply.done, reply.total);
      } catch {
        // A listener's mistake must not lose the parse.
      }
      return;
    }
    const outcome: ParseOutcome = reply.outcome.ok
      ? { ...reply.outcome, stats: { workerHeapPeakBytes: reply.heapPeakBytes, durationMs: performance.now() - running.startedAt } }
      : reply.outcome;
    this.#finish(slot, running.id, outcome);
  }

  /** Terminates a worker and frees its slot; the next parse in the slot starts a new one. */
  #replace(slot: Slot, worker: Worker): void {
    if (slot.worker === worker) {
      slot.worker = null;
      slot.ready = null;
    }
    void worker.terminate();
  }

  #finish(slot: Slot, id: number, outcome: ParseOutcome): void {
    const running = slot.job;
    if (running === null || running.id !== id) return;
    if (running.timer) clearTimeout(running.timer);
    slot.job = null;
    // An idle worker must not keep the process alive.
    slot.worker?.unref();
    running.job.resolve(outcome);
    this.#pump();
  }
}
