import { createHash, timingSafeEqual } from "node:crypto";
import { databaseCheck, ollamaCheck, ollamaHostsCheck, ReadinessChecker, redisCheck, type ReadinessCheck } from "./readiness.ts";
import { RecallMetrics } from "./recall-metrics.ts";

/** Where log lines go: pino's `DestinationStream`, named here since pino is Fastify's dependency, not ours. */
export interface LogDestination {
  write(line: string): void;
}

/** What an operator configures (see the README's Operations settings); every field has a default. */
export interface OperationsOptions {
  /** `/metrics` is served to requests bearing this token (`Authorization: Bearer …`); unset, it answers 404. */
  metricsToken?: string | null;
  /** One info line per finished request: id, method, route, status, sizes, duration; never content. On by default. */
  requestLog?: boolean;
  /** How long each readiness check may take (2 s). */
  readinessTimeoutMs?: number;
  /** How long a readiness report is reused (1 s). */
  readinessReuseMs?: number;
  /** Where the server's log lines go; stdout when unset. For tests. */
  logDestination?: LogDestination;
}

export interface OperationsDependencies {
  database: { $queryRawUnsafe(query: string): Promise<unknown> };
  ollamaUrl: string;
  /** The Ollama pool's hosts: `/readyz` reports each and is up while one answers. Null or absent: `ollamaUrl` alone. */
  ollamaHosts?: readonly string[] | null;
  redis: { url: string; database: number } | null;
}

export interface Operations {
  metrics: RecallMetrics;
  readiness: ReadinessChecker;
  requestLog: boolean;
  logDestination: LogDestination | undefined;
  /** Whether a request may read `/metrics`: null when metrics are off. */
  metricsAccess: ((authorization: string | undefined) => boolean) | null;
  close(): Promise<void>;
}

export function createOperations(options: OperationsOptions = {}, dependencies: OperationsDependencies): Operations {
  const timeoutMs = options.readinessTimeoutMs ?? 2000;
  const ollama = dependencies.ollamaHosts?.length ? ollamaHostsCheck(dependencies.ollamaHosts, Math.max(100, Math.floor(timeoutMs * 0.8))) : ollamaCheck(dependencies.ollamaUrl);
  const checks: ReadinessCheck[] = [databaseCheck(dependencies.database), ollama];
  if (dependencies.redis) checks.push(redisCheck(dependencies.redis.url, dependencies.redis.database, timeoutMs));
  const readiness = new ReadinessChecker(checks, { timeoutMs, reuseMs: options.readinessReuseMs ?? 1000 });
  return {
    metrics: new RecallMetrics(),
    readiness,
    requestLog: options.requestLog ?? true,
    logDestination: options.logDestination,
    metricsAccess: options.metricsToken ? bearerCheck(options.metricsToken) : null,
    close: () => readiness.close(),
  };
}

/** Compares digests in constant time, so the token's length and prefix do not leak through timing. */
function bearerCheck(token: string): (authorization: string | undefined) => boolean {
  const expected = digest(token);
  return (authorization) => {
    const presented = /^Bearer (.+)$/i.exec(authorization ?? "")?.[1];
    return presented !== undefined && timingSafeEqual(digest(presented), expected);
  };
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}
