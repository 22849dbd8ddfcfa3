import { LlmError } from "@recall/ollama";
import { publicProcedure, router, userProcedure } from "../trpc/init.ts";

/** What /api/show says of a model never changes while its name points at the same digest; cache it. */
const detailsCache = new Map<string, { contextLength: number | null; capabilities: string[] }>();

export const systemRouter = router({
  health: publicProcedure.query(({ ctx }) => ({
    ok: true,
    database: ctx.services.databaseProvider,
    demo: ctx.services.config.demoFakeOllama,
    activeGenerations: ctx.services.generations.activeCount,
  })),
});

export const modelsRouter = router({
  /** Never throws for Ollama trouble: the UI shows `ollama.problem` as a banner instead. */
  list: userProcedure.query(async ({ ctx }) => {
    const { llm, config } = ctx.services;
    try {
      const models = await llm.listModels();
      const withContext = await Promise.all(
        models.map(async (model) => {
          if (!detailsCache.has(model.name)) {
            const details = await llm.showModel(model.name).catch(() => null);
            if (details) detailsCache.set(model.name, details);
          }
          const details = detailsCache.get(model.name);
          return { ...model, contextLength: details?.contextLength ?? null, capabilities: details?.capabilities ?? [] };
        }),
      );
      const problem = models.length === 0 ? "Ollama has no models yet. Run `ollama pull llama3.2`, then reload." : null;
      return { models: withContext, defaultModel: config.defaultModel, ollama: { reachable: true, url: llm.host, problem, demo: config.demoFakeOllama } };
    } catch (error) {
      const problem = error instanceof LlmError ? error.message : `Cannot reach Ollama at ${llm.host}. Start it with \`ollama serve\`.`;
      return { models: [], defaultModel: config.defaultModel, ollama: { reachable: false, url: llm.host, problem, demo: config.demoFakeOllama } };
    }
  }),
});
