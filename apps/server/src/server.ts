import { ConfigError, loadConfig } from "./env.ts";
import { createRecall } from "./create-recall.ts";

async function main(): Promise<void> {
  const config = loadConfig();
  const recall = await createRecall(config);
  const address = await recall.app.listen({ host: config.host, port: config.port });
  recall.app.log.info({ address, database: recall.services.databaseProvider, ollama: recall.services.config.ollamaUrl }, "Recall is listening");

  let signals = 0;
  const shutdown = (signal: string): void => {
    signals += 1;
    if (signals > 1) process.exit(1);
    recall.app.log.info({ signal }, "shutting down: saving replies in progress");
    recall.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(error.message);
  else console.error("Recall failed to start:", error instanceof Error ? error.message : error);
  process.exit(1);
});
