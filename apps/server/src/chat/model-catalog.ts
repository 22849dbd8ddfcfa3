import { planBudget, systemClock, type Clock } from "@recall/memory";
import { CalibratedTokenCounter, createTokenCounter } from "@recall/memory/tokens";
import { canonicalModelName, type LlmClient, type LlmLoadedModel, type LlmModel, type LlmModelDetails } from "@recall/ollama";

/** One spelling per model, shared with the Ollama pool's routing. */
export { canonicalModelName };

export interface CatalogModel extends LlmModel {
  contextLength: number | null;
  capabilities: string[];
}

/**
 * The options that start an Ollama runner. Ollama reloads a model (seconds, its KV cache lost)
 * whenever a request's runner options differ from the loaded ones, so every call to one model
 * (replies, summaries, episodes) sends exactly these. Only `num_ctx` is set; `num_batch`,
 * `num_gpu`, `main_gpu`, `use_mmap` and `num_thread` are never sent.
 */
export interface RunnerOptions {
  /** Sent as `num_ctx`. */
  numCtx: number;
}

export interface ModelCatalogOptions {
  /** `RECALL_MAX_CONTEXT_TOKENS`: the cap on `num_ctx`. */
  maxContextTokens: number;
  clock?: Clock;
  /** How long an `/api/ps` answer is reused (default 5 s). */
  loadedModelsTtlMs?: number;
  /** How long a call waits for `/api/ps` before planning without it (default 1 s). */
  loadedModelsTimeoutMs?: number;
}

/**
 * What Ollama says about its models. `/api/show` details are cached per model name
 * (one call per model, not per request); a failed look-up is not cached, so a model
 * pulled later is picked up. `/api/ps` (what is loaded) is cached for a few seconds.
 */
export class ModelCatalog {
  private readonly details = new Map<string, Promise<LlmModelDetails | null>>();
  private readonly counters = new Map<string, Promise<CalibratedTokenCounter>>();
  private loaded: { at: number; models: Promise<LlmLoadedModel[]> } | null = null;
  private readonly clock: Clock;

  constructor(
    private readonly llm: LlmClient,
    private readonly options: ModelCatalogOptions,
  ) {
    this.clock = options.clock ?? systemClock;
  }

  /** Throws the adapter's typed error when Ollama cannot be reached. */
  async list(): Promise<CatalogModel[]> {
    const models = await this.llm.listModels();
    return Promise.all(
      models.map(async (model) => {
        const details = await this.detailsOf(model.name);
        return { ...model, contextLength: details?.contextLength ?? null, capabilities: details?.capabilities ?? [] };
      }),
    );
  }

  /** The model's trained context length, or null when Ollama does not know the model (yet). */
  async contextLength(model: string): Promise<number | null> {
    return (await this.detailsOf(model))?.contextLength ?? null;
  }

  /** Null when Ollama does not know the model (yet) or cannot be reached. */
  detailsOf(model: string): Promise<LlmModelDetails | null> {
    let cached = this.details.get(model);
    if (!cached) {
      cached = this.llm.showModel(model).catch(() => {
        this.details.delete(model);
        return null;
      });
      this.details.set(model, cached);
    }
    return cached;
  }

  /**
   * The runner options every call to `model` sends. `num_ctx` is planned exactly as a reply's
   * budget plans it (`planBudget`: the model's real context capped by `maxContextTokens`);
   * when Ollama already holds the model with at least that context, its loaded context is
   * used instead, so no call forces a reload. With several hosts (the pool), the context most of
   * them hold is kept: the pool sends the call to a host holding exactly that one. `/api/ps` failing or slow only means planning
   * without it.
   */
  async runnerOptions(model: string): Promise<RunnerOptions> {
    const [details, loaded] = await Promise.all([this.detailsOf(model), this.loadedModels()]);
    const { numCtx: planned } = planBudget({
      modelContextLength: details?.contextLength ?? null,
      maxContextTokens: this.options.maxContextTokens,
      // The answer's share does not change num_ctx.
      answerReserve: 0,
    });
    const wanted = canonicalModelName(model);
    const loadedContext = sharedLoadedContext(loaded.filter((entry) => canonicalModelName(entry.name) === wanted), planned);
    return { numCtx: loadedContext ?? planned };
  }

  /**
   * A token counter for the model's background calls (summaries, episodes), calibrated by
   * what Ollama counts for them (`observe`). One per model, kept.
   */
  tokenCounter(model: string): Promise<CalibratedTokenCounter> {
    let counter = this.counters.get(model);
    if (!counter) {
      counter = this.detailsOf(model).then((details) => {
        // Without details (model not pulled yet) use the approximation, but ask again next time.
        if (!details) this.counters.delete(model);
        return new CalibratedTokenCounter(createTokenCounter(details?.family ?? null, { modelName: model }));
      });
      this.counters.set(model, counter);
    }
    return counter;
  }

  /** What Ollama holds in memory now, cached for a few seconds; empty when it cannot say. */
  private loadedModels(): Promise<LlmLoadedModel[]> {
    const now = this.clock.now().getTime();
    const ttl = this.options.loadedModelsTtlMs ?? 5_000;
    if (this.loaded && now - this.loaded.at < ttl) return this.loaded.models;
    const models = this.llm.loadedModels(AbortSignal.timeout(this.options.loadedModelsTimeoutMs ?? 1_000)).catch(() => []);
    this.loaded = { at: now, models };
    return models;
  }
}

/**
 * The loaded context to keep using: of the runners holding the model with at least the planned
 * context (one per host in a pool), the context most hosts hold; a tie goes to the smaller (less
 * memory). Null when none would do.
 */
function sharedLoadedContext(entries: LlmLoadedModel[], planned: number): number | null {
  const hostsPerContext = new Map<number, number>();
  for (const entry of entries) {
    if (entry.contextLength === null || entry.contextLength < planned) continue;
    hostsPerContext.set(entry.contextLength, (hostsPerContext.get(entry.contextLength) ?? 0) + 1);
  }
  let best: { context: number; hosts: number } | null = null;
  for (const [context, hosts] of hostsPerContext) {
    if (!best || hosts > best.hosts || (hosts === best.hosts && context < best.context)) best = { context, hosts };
  }
  return best?.context ?? null;
}
