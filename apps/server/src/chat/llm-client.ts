import { hostLabel } from "../ops/label-values.ts";
import { createOllamaClient, createOllamaPool, type LlmClient, type OllamaPool } from "@recall/ollama";
import type { RecallConfig } from "../env.ts";
import type { Logger } from "../services.ts";

/**
 * Recall's door to Ollama: the plain client for one host (exactly as before), a pool for
 * several hosts or when the slots per host are known (the pool then sizes the fair queue).
 */
export function createLlmClient(
  config: Pick<RecallConfig, "ollamaHosts" | "ollamaNumParallel" | "ollamaHealthIntervalMs" | "ollamaIdleTimeoutMs">,
  ollamaUrl: string,
  logger: Logger,
): { llm: LlmClient; pool: OllamaPool | null } {
  const hosts = config.ollamaHosts ?? [ollamaUrl];
  if (hosts.length === 1 && config.ollamaNumParallel === null) {
    return { llm: createOllamaClient({ host: ollamaUrl, idleTimeoutMs: config.ollamaIdleTimeoutMs }), pool: null };
  }
  const pool = createOllamaPool({
    hosts,
    idleTimeoutMs: config.ollamaIdleTimeoutMs,
    numParallel: config.ollamaNumParallel,
    healthIntervalMs: config.ollamaHealthIntervalMs,
    onHostChange: ({ host, healthy, reason }) => {
      if (healthy) logger.info({ ollama: hostLabel(host) }, "Ollama host is back in the pool");
      else logger.warn({ ollama: hostLabel(host), reason }, "Ollama host taken out of the pool; probing it with backoff");
    },
  });
  return { llm: pool, pool };
}
