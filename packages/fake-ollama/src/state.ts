import { CostModel } from "./cost-model.ts";
import { catalogModel, DEFAULT_MODELS, describeForPs, type CatalogModel } from "./models.ts";
import { resolveGuard, withGuardModel, type ResolvedGuard } from "./guard-model.ts";
import { countTokens } from "./tokenizer.ts";
import type { ChatRequestInfo, ChatScript, EndpointCounts, FakeModel, FakeOllamaOptions, RecordedRequest } from "./types.ts";

/** Anything in flight that `close()` must be able to stop. */
export interface Cancellable {
  cancel(): void;
}

export interface Settings {
  tokensPerSecond: number;
  firstTokenLatencyMs: number;
  replyTokens: number;
  reply: ((request: ChatRequestInfo) => ChatScript | undefined) | undefined;
  countTokens: (text: string) => number;
  defaultNumCtx: number;
  version: string;
  recordRequests: boolean;
  recordTokenTimes: boolean;
  /** The `guard` option: which model answers as Llama Guard, and how. */
  guard: ResolvedGuard | undefined;
}

interface LoadedModel {
  model: CatalogModel;
  /** Epoch milliseconds; Infinity for a negative keep_alive. */
  expiresAt: number;
  numCtx: number;
}

export interface ServerState {
  settings: Settings;
  models: CatalogModel[];
  scripts: ChatScript[];
  requests: RecordedRequest[];
  counts: EndpointCounts;
  generations: Set<Cancellable>;
  loaded: Map<string, LoadedModel>;
  /** The `cost` option's model; undefined without it (no costs, as before). */
  cost: CostModel | undefined;
}

export function emptyCounts(): EndpointCounts {
  return { chat: 0, generate: 0, embed: 0, embeddings: 0, show: 0, tags: 0, ps: 0, version: 0 };
}

export function createState(options: FakeOllamaOptions): ServerState {
  const guard = resolveGuard(options.guard);
  return {
    settings: {
      tokensPerSecond: options.tokensPerSecond ?? 0,
      firstTokenLatencyMs: options.firstTokenLatencyMs ?? 0,
      replyTokens: options.replyTokens ?? 24,
      reply: options.reply,
      countTokens: options.countTokens ?? countTokens,
      defaultNumCtx: options.defaultNumCtx ?? 4096,
      version: options.version ?? "0.12.6",
      recordRequests: options.recordRequests ?? true,
      recordTokenTimes: options.recordTokenTimes ?? false,
      guard,
    },
    models: configuredModels(options, guard),
    scripts: [],
    requests: [],
    counts: emptyCounts(),
    generations: new Set(),
    loaded: new Map(),
    cost: options.cost
      ? new CostModel(options.cost, { tokensPerSecond: options.tokensPerSecond ?? 0, recordRequests: options.recordRequests ?? true })
      : undefined,
  };
}

/** The `models` option (or the defaults), plus the guard model when it is not among them. */
export function configuredModels(options: FakeOllamaOptions, guard: ResolvedGuard | undefined): CatalogModel[] {
  return catalogModels(withGuardModel(options.models ?? DEFAULT_MODELS, guard));
}

export function catalogModels(models: readonly FakeModel[]): CatalogModel[] {
  return models.map(catalogModel);
}

const DEFAULT_KEEP_ALIVE_MS = 5 * 60 * 1000;
const durationUnits: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Ollama's keep_alive: seconds as a number, a Go duration string, negative meaning forever. */
export function keepAliveMillis(value: unknown): number {
  if (typeof value === "number") return value < 0 ? Infinity : value * 1000;
  if (typeof value !== "string") return DEFAULT_KEEP_ALIVE_MS;
  const text = value.trim();
  if (text === "0") return 0;
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join("") !== text.replace(/^-/, "")) return DEFAULT_KEEP_ALIVE_MS;
  const total = parts.reduce((sum, part) => sum + Number(part[1]) * (durationUnits[part[2] ?? "s"] ?? 1000), 0);
  return text.startsWith("-") ? Infinity : total;
}

/** keep_alive as the request sent it; undefined when absent, so a loaded runner keeps its own (sessionDuration stays nil). */
export function requestKeepAlive(value: unknown): number | undefined {
  return value === undefined || value === null ? undefined : keepAliveMillis(value);
}

export function markLoaded(state: ServerState, model: CatalogModel, numCtx: number, keepAliveMs: number): void {
  if (keepAliveMs === 0) state.loaded.delete(model.name);
  else state.loaded.set(model.name, { model, numCtx, expiresAt: Date.now() + keepAliveMs });
}

/** Go's "forever" is now + MaxInt64 nanoseconds, which lands in 2318. */
const FOREVER_MS = 9_223_372_036_854;

export function describeLoaded(state: ServerState) {
  const now = Date.now();
  const entries = [...state.loaded.values()].filter((entry) => entry.expiresAt > now);
  entries.sort((left, right) => right.expiresAt - left.expiresAt);
  return entries.map((entry) => {
    const expiresAt = new Date(entry.expiresAt === Infinity ? now + FOREVER_MS : entry.expiresAt).toISOString();
    return describeForPs(entry.model, expiresAt, entry.numCtx);
  });
}

/**
 * /api/ps under the cost model (PsHandler, server/routes.go): the loaded runners, longest
 * time left first. `context_length` is the runner's num_ctx per slot (llama.ContextLength(),
 * formerly Options.NumCtx / numParallel), not the KV cache of num_ctx * numParallel.
 */
export function describeRunners(cost: CostModel) {
  const wallNow = Date.now();
  const simNow = cost.clock.now();
  const entries = cost.scheduler.runners().map((runner) => {
    // A busy runner has no timer yet; Ollama then shows now + its keep_alive.
    const simExpiry = runner.refCount > 0 ? simNow + runner.sessionMs : runner.expiresAt;
    const wallExpiry = Number.isFinite(simExpiry) ? wallNow + (simExpiry - simNow) : wallNow + FOREVER_MS;
    return { runner, wallExpiry };
  });
  entries.sort((left, right) => right.wallExpiry - left.wallExpiry);
  return entries.map(({ runner, wallExpiry }) => describeForPs(runner.model, new Date(wallExpiry).toISOString(), runner.numCtx));
}
