import { loadConfig } from "./env.ts";
import { createRecall } from "./create-recall.ts";
import { runEntryPoint } from "./entry-point.ts";

runEntryPoint("Recall", async () => {
  const config = loadConfig();
  const recall = await createRecall(config);
  const address = await recall.app.listen({ host: config.host, port: config.port });
  recall.app.log.info({ address, database: recall.services.databaseProvider, ollama: recall.services.config.ollamaUrl }, "Recall is listening");
  return {
    log: (signal) => recall.app.log.info({ signal }, "shutting down: saving replies in progress"),
    close: () => recall.close(),
  };
});
