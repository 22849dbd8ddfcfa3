import { LlmError } from "@recall/ollama";
import { publicProcedure, router, userProcedure } from "../trpc/init.ts";

export const systemRouter = router({
  health: publicProcedure.query(({ ctx }) => ({
    ok: true,
    database: ctx.services.databaseProvider,
    demo: ctx.services.config.demoFakeOllama,
    activeGenerations: ctx.services.generations.activeCount,
    memory: ctx.services.metrics.snapshot(),
  })),
  /** What the web app needs to know of the operator's configuration. */
  settings: publicProcedure.query(({ ctx }) => ({ imageOrigins: ctx.services.config.imageOrigins })),
});

export const modelsRouter = router({
  /** Never throws for Ollama trouble: the UI shows `ollama.problem` as a banner instead. */
  list: userProcedure.query(async ({ ctx }) => {
    const { llm, config, models: catalog } = ctx.services;
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
