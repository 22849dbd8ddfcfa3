import { LlmError } from "@recall/ollama";
import type { Services } from "../services.ts";
import { publicProcedure, router, userProcedure } from "../trpc/init.ts";

export type SystemRouterServices = Pick<Services, "config" | "databaseProvider">;

export function createSystemRouter({ config, databaseProvider }: SystemRouterServices) {
  return router({
    /** Open to anyone, so no figures: operators read `/metrics`, admins `memory.stats`. */
    health: publicProcedure.query(() => ({
      ok: true,
      database: databaseProvider,
      demo: config.demoFakeOllama,
    })),
    /** What the web app needs to know of the operator's configuration. */
    // What the web app checks before it sends: a file over the limit is refused in the browser, not cut off mid-upload.
    settings: publicProcedure.query(() => ({ imageOrigins: config.imageOrigins, documentMaxBytes: config.documents.maxBytes })),
  });
}

export type ModelsRouterServices = Pick<Services, "config" | "llm" | "models">;

export function createModelsRouter({ config, llm, models: catalog }: ModelsRouterServices) {
  return router({
    /** Never throws for Ollama trouble: the UI shows `ollama.problem` as a banner instead. */
    list: userProcedure.query(async () => {
      try {
        const models = await catalog.list();
        const problem = models.length === 0 ? "Ollama has no models yet. Run `ollama pull llama3.2`, then reload." : null;
        return { models, defaultModel: config.defaultModel, ollama: { reachable: true, url: llm.host, problem, demo: config.demoFakeOllama } };
      } catch (error) {
        const problem = error instanceof LlmError ? error.message : `Cannot reach Ollama at ${llm.host}. Start it with \`ollama serve\`.`;
        return { models: [], defaultModel: config.defaultModel, ollama: { reachable: false, url: llm.host, problem, demo: config.demoFakeOllama } };
      }
    }),
  });
}
