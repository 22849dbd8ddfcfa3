import { planBudget, systemClock, type Clock } from "@recall/memory";
import { CalibratedTokenCounter, createTokenCounter } from "@recall/memory/tokens";
import type { LlmClient, LlmLoadedModel, LlmModel, LlmModelDetails } from "@recall/ollama";

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
   * used instead, so no call forces a reload. `/api/ps` failing or slow only means planning
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
    const loadedContext = loaded.find((entry) => canonicalModelName(entry.name) === wanted)?.contextLength ?? null;
    return { numCtx: loadedContext !== null && loadedContext >= planned ? loadedContext : planned };
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

/** `Llama3.2`, `library/llama3.2` and `llama3.2:latest` are one model to Ollama. */
export function canonicalModelName(name: string): string {
  let normalized = name.trim().toLowerCase();
  if (normalized.startsWith("registry.ollama.ai/")) normalized = normalized.slice("registry.ollama.ai/".length);
  if (normalized.startsWith("library/")) normalized = normalized.slice("library/".length);
  const lastSegment = normalized.slice(normalized.lastIndexOf("/") + 1);
  return lastSegment.includes(":") ? normalized : `${normalized}:latest`;
}
