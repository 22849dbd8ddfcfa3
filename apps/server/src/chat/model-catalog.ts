import type { LlmClient, LlmModel, LlmModelDetails } from "@recall/ollama";

export interface CatalogModel extends LlmModel {
  contextLength: number | null;
  capabilities: string[];
}

/**
 * What Ollama says about its models. `/api/show` details are cached per model name
 * (one call per model, not per request); a failed look-up is not cached, so a model
 * pulled later is picked up.
 */
export class ModelCatalog {
  private readonly details = new Map<string, Promise<LlmModelDetails | null>>();

  constructor(private readonly llm: LlmClient) {}

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
}
