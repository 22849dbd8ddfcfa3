import type { Tokenize } from "./chat-tokens.ts";
import { normalizeModelName, type CatalogModel } from "./models.ts";
import { Scheduler } from "./scheduler.ts";
import { SimClock } from "./sim-clock.ts";
import { keepAliveMillis } from "./state.ts";
import { tokenIds } from "./token-ids.ts";
import type { FakeCostOptions, FakeCosts, ModelCost, PromptEvalCountMode, RequestCost } from "./types.ts";

export function emptyCosts(): FakeCosts {
  return {
    requests: 0,
    loads: 0,
    reloads: 0,
    evictions: 0,
    expirations: 0,
    rejected: 0,
    queueWaits: 0,
    queuedMs: 0,
    promptTokens: 0,
    cachedTokens: 0,
    prefilledTokens: 0,
    evalTokens: 0,
    loadMs: 0,
    prefillMs: 0,
    decodeMs: 0,
    records: [],
  };
}

export function emptyRequestCost(endpoint: RequestCost["endpoint"], model: string, arrivedAt: number): RequestCost {
  return {
    endpoint,
    model,
    arrivedAt,
    startedAt: arrivedAt,
    finishedAt: arrivedAt,
    loaded: false,
    reloaded: false,
    loadMs: 0,
    schedulerWaitMs: 0,
    slotWaitMs: 0,
    queuedMs: 0,
    promptTokens: 0,
    cachedTokens: 0,
    prefilledTokens: 0,
    reportedPromptEvalCount: undefined,
    prefillMs: 0,
    evalTokens: 0,
    decodeMs: 0,
    timeToFirstTokenMs: 0,
    totalMs: 0,
    slot: -1,
  };
}

/** Milliseconds per token at a rate; 0, negative, NaN or Infinity tokens per second cost nothing. */
export function millisPerToken(tokensPerSecond: number | undefined): number {
  return tokensPerSecond !== undefined && tokensPerSecond > 0 && Number.isFinite(tokensPerSecond) ? 1000 / tokensPerSecond : 0;
}

/** Ollama's `num_keep` default (api.DefaultOptions). */
const DEFAULT_NUM_KEEP = 4;

export function numKeepOf(options: Record<string, unknown>): number {
  const value = options["num_keep"];
  return typeof value === "number" && Number.isFinite(value) ? Math.trunc(value) : DEFAULT_NUM_KEEP;
}

/** The `cost` option at work: its settings, clock, scheduler and counters. `reset()` starts them afresh. */
export class CostModel {
  readonly tokenize: Tokenize;
  readonly promptEvalCountMode: PromptEvalCountMode;
  readonly timeScale: number;
  clock: SimClock;
  totals: FakeCosts;
  scheduler: Scheduler;
  private readonly options: FakeCostOptions;
  private readonly perModel = new Map<string, ModelCost>();
  private readonly fallbackDecodeTokensPerSecond: number;
  private readonly recordRequests: boolean;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(options: FakeCostOptions, fallback: { tokensPerSecond: number; recordRequests: boolean }) {
    this.options = options;
    this.tokenize = options.tokenize ?? tokenIds;
    this.promptEvalCountMode = options.promptEvalCountMode ?? "whole";
    this.timeScale = Math.max(0, options.timeScale ?? 1);
    this.fallbackDecodeTokensPerSecond = fallback.tokensPerSecond;
    this.recordRequests = fallback.recordRequests;
    for (const [name, cost] of Object.entries(options.models ?? {})) this.perModel.set(normalizeModelName(name), cost);
    this.clock = new SimClock(this.timeScale);
    this.totals = emptyCosts();
    this.scheduler = this.createScheduler();
  }

  private createScheduler(): Scheduler {
    const options = this.options;
    return new Scheduler(
      {
        numParallel: Math.max(1, Math.floor(options.numParallel ?? 1)),
        maxLoadedModels: Math.max(1, Math.floor(options.maxLoadedModels ?? 3)),
        maxQueue: Math.max(0, Math.floor(options.maxQueue ?? 512)),
        keepAliveMs: keepAliveMillis(options.keepAlive),
        multiUserCache: options.multiUserCache ?? false,
        loadMs: (model) => this.modelCost(model).loadMs ?? 0,
      },
      this.clock,
      this.totals,
      (milliseconds) => this.sleep(milliseconds),
    );
  }

  /** Forgets every loaded runner (new models), keeping the clock and the counters. */
  unloadAll(): void {
    this.scheduler = this.createScheduler();
  }

  /** Back to no runners, a zero clock and zero counters. Requests still in flight finish against the old state. */
  reset(): void {
    this.clock = new SimClock(this.timeScale);
    this.totals = emptyCosts();
    this.scheduler = this.createScheduler();
  }

  modelCost(model: CatalogModel): ModelCost {
    const own = this.perModel.get(model.name) ?? {};
    return {
      loadMs: own.loadMs ?? this.options.loadMs ?? 0,
      prefillTokensPerSecond: own.prefillTokensPerSecond ?? this.options.prefillTokensPerSecond,
      decodeTokensPerSecond: own.decodeTokensPerSecond ?? this.options.decodeTokensPerSecond ?? this.fallbackDecodeTokensPerSecond,
    };
  }

  /** Keeps the record for `fake.costs.records` unless records are off. */
  record(cost: RequestCost): void {
    if (this.recordRequests) this.totals.records.push(cost);
  }

  /** Counts what a request waited and prefilled once its slot is known. */
  countPrompt(cost: RequestCost): void {
    const totals = this.totals;
    totals.promptTokens += cost.promptTokens;
    totals.cachedTokens += cost.cachedTokens;
    totals.prefilledTokens += cost.prefilledTokens;
    totals.prefillMs += cost.prefillMs;
    totals.queuedMs += cost.queuedMs;
    if (cost.queuedMs > 0) totals.queueWaits++;
  }

  sleep(milliseconds: number): Promise<void> {
    if (!(milliseconds > 0)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, milliseconds);
      this.timers.add(timer);
    });
  }

  /** Server shutdown: no more timers. Whatever waited on them is dropped with its connection. */
  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
