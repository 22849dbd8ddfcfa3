/**
 * Loaded runners, after Ollama's scheduler (server/sched.go): one runner per model
 * with the runner options it was started with, reloads when they change, keep_alive
 * expiry, a cap on loaded models, a bounded queue of requests waiting for a load, and
 * per runner `numParallel` slots behind a FIFO semaphore (`sem` in llm/llama_server.go,
 * formerly llm/server.go). Everything is accounted on a simulated clock (sim-clock.ts).
 */
import { createSlots, loadCacheSlot, type Slot, type SlotChoice } from "./input-cache.ts";
import type { CatalogModel } from "./models.ts";
import type { SimClock } from "./sim-clock.ts";
import type { FakeCosts, RequestCost, RunnerSnapshot } from "./types.ts";

/** `ErrMaxQueue` in server/sched.go, answered with 503 by handleScheduleError (server/routes.go). */
export const SERVER_BUSY_MESSAGE = "server busy, please try again.  maximum pending requests exceeded";

export class ServerBusyError extends Error {
  constructor() {
    super(SERVER_BUSY_MESSAGE);
  }
}

/** The client went away while its request waited. */
export class RequestGoneError extends Error {
  constructor() {
    super("request canceled");
  }
}

/**
 * `api.Runner` (api/types.go): the options that shape a runner process. needsReload
 * compares exactly these; sampling options (temperature, seed, num_predict, stop, ...)
 * never cause a reload. `context_shift` is the llama-server launch flag derived from the
 * request's `shift` (resolveContextShift), which needsReload also compares since 0.30.
 */
export type RunnerOptions = {
  num_ctx: number;
  num_batch: number;
  num_gpu: number;
  main_gpu: number | null;
  use_mmap: boolean | null;
  num_thread: number;
  draft_num_predict: number;
  context_shift: boolean;
};

function integerOption(options: Record<string, unknown>, key: string, fallback: number): number {
  const value = options[key];
  return typeof value === "number" && Number.isFinite(value) ? Math.trunc(value) : fallback;
}

/** The request's runner options merged over `api.DefaultOptions()`. */
export function runnerOptionsOf(options: Record<string, unknown>, numCtx: number, shift: unknown): RunnerOptions {
  const mainGpu = options["main_gpu"];
  const useMmap = options["use_mmap"];
  return {
    num_ctx: numCtx,
    num_batch: integerOption(options, "num_batch", 512),
    num_gpu: integerOption(options, "num_gpu", -1),
    main_gpu: typeof mainGpu === "number" ? Math.trunc(mainGpu) : null,
    use_mmap: typeof useMmap === "boolean" ? useMmap : null,
    num_thread: integerOption(options, "num_thread", 0),
    draft_num_predict: integerOption(options, "draft_num_predict", 4),
    context_shift: shift !== false,
  };
}

/** needsReload: any runner option differs; a negative num_gpu ("as many as fit") matches any loaded value. */
function optionsDiffer(loaded: RunnerOptions, wanted: RunnerOptions): boolean {
  for (const key of Object.keys(wanted) as (keyof RunnerOptions)[]) {
    if (key === "num_gpu" && wanted.num_gpu < 0) continue;
    if (loaded[key] !== wanted[key]) return true;
  }
  return false;
}

/** Architectures load() forces to one slot ("does not currently support parallel requests"). */
const SINGLE_SLOT_FAMILIES = new Set([
  "mllama", "qwen3vl", "qwen3vlmoe", "qwen35", "qwen35moe", "qwen3next", "lfm2", "lfm2moe", "nemotron_h", "nemotron_h_moe", "nemotron_h_omni",
]);

export interface SchedulerSettings {
  numParallel: number;
  maxLoadedModels: number;
  maxQueue: number;
  keepAliveMs: number;
  multiUserCache: boolean;
  loadMs(model: CatalogModel): number;
}

export interface RunnerRequest {
  model: CatalogModel;
  options: RunnerOptions;
  /** The request's keep_alive; undefined keeps the runner's (load() uses OLLAMA_KEEP_ALIVE). */
  keepAliveMs: number | undefined;
  cost: RequestCost;
  signal: AbortSignal;
}

type UnloadReason = "reload" | "evict" | "expire";

interface SlotWaiter {
  lease: Lease;
  prompt: number[];
  cachePrompt: boolean;
  resolve(acquired: AcquiredSlot): void;
  reject(error: Error): void;
}

export interface AcquiredSlot extends SlotChoice {
  /** Simulated ms when the slot was ours. */
  startedAt: number;
}

export class Runner {
  readonly model: CatalogModel;
  readonly options: RunnerOptions;
  readonly numParallel: number;
  readonly slots: Slot[];
  readonly readyAt: number;
  refCount = 0;
  sessionMs: number;
  /** Simulated ms when the last request on it ended. */
  idleAt: number;
  expiresAt = Infinity;
  unloadReason: UnloadReason | undefined;
  unloaded = false;
  readonly waiters: SlotWaiter[] = [];
  readonly idleWaiters: (() => void)[] = [];
  private readonly multiUserCache: boolean;

  constructor(model: CatalogModel, options: RunnerOptions, numParallel: number, readyAt: number, sessionMs: number, multiUserCache: boolean) {
    this.model = model;
    this.options = options;
    this.numParallel = numParallel;
    this.slots = createSlots(numParallel, readyAt);
    this.readyAt = readyAt;
    this.idleAt = readyAt;
    this.sessionMs = sessionMs;
    this.multiUserCache = multiUserCache;
  }

  get numCtx(): number {
    return this.options.num_ctx;
  }

  /** The semaphore: a free slot now if nobody is waiting, else wait in line (semaphore.Weighted is FIFO). */
  acquire(lease: Lease, prompt: number[], cachePrompt: boolean, signal: AbortSignal): Promise<AcquiredSlot> {
    if (this.waiters.length === 0 && this.slots.some((slot) => !slot.inUse)) {
      return Promise.resolve(this.take(lease, prompt, cachePrompt, -Infinity));
    }
    return new Promise<AcquiredSlot>((resolve, reject) => {
      const waiter: SlotWaiter = { lease, prompt, cachePrompt, resolve, reject };
      this.waiters.push(waiter);
      signal.addEventListener(
        "abort",
        () => {
          const index = this.waiters.indexOf(waiter);
          if (index < 0) return;
          this.waiters.splice(index, 1);
          reject(new RequestGoneError());
        },
        { once: true },
      );
    });
  }

  /**
   * Takes a slot at simulated time max(ready, freedAt): among the slots free by then, the
   * one LoadCacheSlot picks. (With timeScale 0 a slot can be free in real time before its
   * simulated end; it only counts once the simulated clock gets there.)
   */
  private take(lease: Lease, prompt: number[], cachePrompt: boolean, freedAt: number): AcquiredSlot {
    const free = this.slots.filter((slot) => !slot.inUse);
    let startedAt = Math.max(lease.readyAt, freedAt);
    if (!free.some((slot) => slot.freeAt <= startedAt)) startedAt = Math.min(...free.map((slot) => slot.freeAt));
    const available = (slot: Slot) => !slot.inUse && slot.freeAt <= startedAt;
    const choice = loadCacheSlot(this.slots, available, prompt, { multiUserCache: this.multiUserCache, cachePrompt, now: startedAt });
    return { ...choice, startedAt };
  }

  releaseSlot(slot: Slot, finishedAt: number, tokens: number[]): void {
    slot.inUse = false;
    slot.freeAt = Math.max(slot.freeAt, finishedAt);
    slot.tokens = tokens;
    const next = this.waiters.shift();
    if (next) next.resolve(this.take(next.lease, next.prompt, next.cachePrompt, finishedAt));
  }

  snapshot(): RunnerSnapshot {
    return {
      model: this.model.name,
      options: { ...this.options },
      numCtx: this.numCtx,
      numParallel: this.numParallel,
      refCount: this.refCount,
      waiting: this.waiters.length,
      expiresAt: this.refCount > 0 ? Infinity : this.expiresAt,
      slots: this.slots.map((slot) => ({ id: slot.id, tokens: slot.tokens.length, inUse: slot.inUse })),
    };
  }
}

/** A request's hold on a runner, from scheduling to the end of its reply (the runner's refCount). */
export class Lease {
  readonly runner: Runner;
  /** Simulated ms when the runner was ready for this request. */
  readonly readyAt: number;
  private readonly scheduler: Scheduler;
  private released = false;

  constructor(scheduler: Scheduler, runner: Runner, readyAt: number) {
    this.scheduler = scheduler;
    this.runner = runner;
    this.readyAt = readyAt;
  }

  acquireSlot(prompt: number[], cachePrompt: boolean, signal: AbortSignal): Promise<AcquiredSlot> {
    return this.runner.acquire(this, prompt, cachePrompt, signal);
  }

  /** The request is over at simulated `finishedAt`; its slot (if any) now holds `tokens`. */
  release(finishedAt: number, slot?: { slot: Slot; tokens: number[] }): void {
    if (this.released) return;
    this.released = true;
    if (slot) this.runner.releaseSlot(slot.slot, finishedAt, slot.tokens);
    this.scheduler.finished(this.runner, finishedAt);
  }
}

interface PendingRequest {
  request: RunnerRequest;
  resolve(lease: Lease): void;
  reject(error: Error): void;
  gone: boolean;
}

export class Scheduler {
  readonly loaded = new Map<string, Runner>();
  private readonly settings: SchedulerSettings;
  private readonly clock: SimClock;
  private readonly totals: FakeCosts;
  private readonly sleep: (milliseconds: number) => Promise<void>;
  private readonly pending: PendingRequest[] = [];
  private pumping = false;
  /** Simulated ms when the last load finished: processPending loads one model at a time. */
  private loadsFreeAt = 0;

  constructor(settings: SchedulerSettings, clock: SimClock, totals: FakeCosts, sleep: (milliseconds: number) => Promise<void>) {
    this.settings = settings;
    this.clock = clock;
    this.totals = totals;
    this.sleep = sleep;
  }

  /**
   * getRunner: a loaded runner whose options match is used at once (no queue); anything
   * else waits in the pending queue, which holds at most maxQueue requests
   * (`pendingReqCh`'s buffer) before ErrMaxQueue, thrown synchronously.
   */
  getRunner(request: RunnerRequest): Promise<Lease> {
    this.expireIdle();
    const key = request.model.name;
    const runner = this.loaded.get(key);
    if (runner && !optionsDiffer(runner.options, request.options)) {
      this.totals.requests++;
      return Promise.resolve(this.useLoadedRunner(runner, request, Math.max(request.cost.arrivedAt, runner.readyAt)));
    }
    if (this.pending.length >= this.settings.maxQueue) {
      this.totals.rejected++;
      throw new ServerBusyError();
    }
    this.totals.requests++;
    return new Promise<Lease>((resolve, reject) => {
      const entry: PendingRequest = { request, resolve, reject, gone: false };
      this.pending.push(entry);
      request.signal.addEventListener(
        "abort",
        () => {
          entry.gone = true;
          const index = this.pending.indexOf(entry);
          if (index >= 0) this.pending.splice(index, 1);
          reject(new RequestGoneError());
        },
        { once: true },
      );
      void this.pump();
    });
  }

  /** expireRunner: keep_alive 0 on an empty request unloads the model once it is idle. */
  expireRunner(model: CatalogModel): void {
    const runner = this.loaded.get(model.name);
    if (!runner) return;
    runner.sessionMs = 0;
    runner.unloadReason ??= "expire";
    if (runner.refCount <= 0) this.unload(runner);
  }

  /** Unloads idle runners whose keep_alive ran out on the simulated clock (Ollama's expireTimer, checked lazily). */
  expireIdle(): void {
    const now = this.clock.now();
    for (const runner of [...this.loaded.values()]) {
      if (runner.refCount <= 0 && runner.expiresAt <= now) {
        runner.unloadReason ??= "expire";
        this.unload(runner);
      }
    }
  }

  runners(): Runner[] {
    this.expireIdle();
    return [...this.loaded.values()];
  }

  /** processCompleted: a request ended; an idle runner starts its keep_alive timer, or unloads if it must. */
  finished(runner: Runner, finishedAt: number): void {
    runner.refCount--;
    runner.idleAt = Math.max(runner.idleAt, finishedAt);
    if (runner.refCount > 0) return;
    if (runner.unloadReason !== undefined || runner.sessionMs <= 0) {
      runner.unloadReason ??= "expire";
      this.unload(runner);
      return;
    }
    runner.expiresAt = runner.idleAt + runner.sessionMs;
  }

  /** useLoadedRunner: one more reference; a request's keep_alive replaces the runner's. */
  private useLoadedRunner(runner: Runner, request: RunnerRequest, readyAt: number): Lease {
    runner.refCount++;
    runner.expiresAt = Infinity;
    if (request.keepAliveMs !== undefined) runner.sessionMs = request.keepAliveMs;
    request.cost.schedulerWaitMs = Math.max(0, readyAt - request.cost.arrivedAt - request.cost.loadMs);
    request.cost.startedAt = readyAt;
    return new Lease(this, runner, readyAt);
  }

  /** processPending: one request at a time, in order. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (let entry = this.pending.shift(); entry; entry = this.pending.shift()) {
        if (!entry.gone) await this.schedule(entry);
      }
    } finally {
      this.pumping = false;
    }
  }

  private async schedule(entry: PendingRequest): Promise<void> {
    const { request } = entry;
    const key = request.model.name;
    let reloading = false;
    let unloadedAt = -Infinity;
    for (;;) {
      this.expireIdle();
      const runner = this.loaded.get(key);
      let victim: Runner | undefined;
      if (runner) {
        if (!optionsDiffer(runner.options, request.options)) {
          if (!entry.gone) entry.resolve(this.useLoadedRunner(runner, request, Math.max(request.cost.arrivedAt, runner.readyAt)));
          return;
        }
        victim = runner;
        victim.unloadReason ??= "reload";
        reloading = true;
      } else if (this.loaded.size >= this.settings.maxLoadedModels) {
        victim = this.findRunnerToUnload();
        if (victim) victim.unloadReason ??= "evict";
      }
      if (!victim) {
        await this.load(entry, Math.max(request.cost.arrivedAt, this.loadsFreeAt, unloadedAt), reloading);
        return;
      }
      unloadedAt = Math.max(unloadedAt, await this.whenUnloaded(victim));
    }
  }

  private async load(entry: PendingRequest, loadStart: number, reloading: boolean): Promise<void> {
    const { request } = entry;
    const { model } = request;
    const loadMs = Math.max(0, this.settings.loadMs(model));
    const readyAt = loadStart + loadMs;
    this.loadsFreeAt = readyAt;
    await this.sleep(this.clock.realDelayUntil(readyAt));

    // load(): embedding models and some architectures always get one slot.
    const completion = model.capabilities.includes("completion");
    const numParallel = !completion || SINGLE_SLOT_FAMILIES.has(model.family) ? 1 : Math.max(1, this.settings.numParallel);
    const sessionMs = request.keepAliveMs ?? this.settings.keepAliveMs;
    const runner = new Runner(model, request.options, numParallel, readyAt, sessionMs, this.settings.multiUserCache);
    this.loaded.set(model.name, runner);
    this.totals.loads++;
    this.totals.loadMs += loadMs;
    if (reloading) this.totals.reloads++;
    Object.assign(request.cost, { loaded: true, reloaded: reloading, loadMs });
    if (entry.gone) {
      // The client left during the load: the runner stays loaded, idle from now.
      runner.expiresAt = sessionMs <= 0 ? readyAt : readyAt + sessionMs;
      if (sessionMs <= 0) {
        runner.unloadReason = "expire";
        this.unload(runner);
      }
      return;
    }
    entry.resolve(this.useLoadedRunner(runner, request, readyAt));
  }

  /** Resolves with the simulated ms the runner unloaded, once its last request is over. */
  private whenUnloaded(runner: Runner): Promise<number> {
    if (runner.refCount <= 0) {
      this.unload(runner);
      return Promise.resolve(runner.idleAt);
    }
    return new Promise<number>((resolve) => runner.idleWaiters.push(() => resolve(runner.idleAt)));
  }

  /**
   * findRunnerToUnload: runners sorted by keep_alive, shortest first, then by model path
   * (`ByDurationAndName`; a blob path, so effectively by digest); the first idle one, else
   * the first one, which unloads once its requests finish. Not least recently used.
   */
  private findRunnerToUnload(): Runner | undefined {
    const runners = [...this.loaded.values()].sort((left, right) => {
      if (left.sessionMs !== right.sessionMs) return left.sessionMs < right.sessionMs ? -1 : 1;
      return left.model.digest < right.model.digest ? -1 : left.model.digest > right.model.digest ? 1 : 0;
    });
    return runners.find((runner) => runner.refCount <= 0) ?? runners[0];
  }

  private unload(runner: Runner): void {
    if (runner.unloaded) return;
    runner.unloaded = true;
    if (this.loaded.get(runner.model.name) === runner) this.loaded.delete(runner.model.name);
    if (runner.unloadReason === "evict") this.totals.evictions++;
    else if (runner.unloadReason === "expire") this.totals.expirations++;
    for (const wake of runner.idleWaiters.splice(0)) wake();
  }
}
