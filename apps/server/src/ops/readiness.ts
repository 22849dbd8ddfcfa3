import { Redis } from "ioredis";

export type CheckName = "database" | "redis" | "ollama";

export interface ReadinessCheck {
  name: CheckName;
  /**
   * Without it the instance cannot serve (the database). A dependency Recall degrades
   * around (Redis: caching in memory; Ollama: chats, history and settings still work and the
   * UI says the model is unreachable) only marks the report degraded: taking every instance
   * out of the load balancer when a shared Redis or Ollama is down would be a full outage.
   */
  essential: boolean;
  /** Resolves when the dependency answered; `signal` aborts at the check's timeout. */
  run(signal: AbortSignal): Promise<unknown>;
  close?(): Promise<void>;
}

/** No error text: a message can carry a host, a path or a URL with credentials. */
export interface CheckState {
  state: "up" | "down";
  latencyMs: number;
  problem?: "timeout" | "failed";
}

export interface ReadinessReport {
  ready: boolean;
  /** Essential checks that are down (the instance is not ready). */
  failing: CheckName[];
  /** Other checks that are down: the instance serves, degraded. */
  degraded: CheckName[];
  checks: Partial<Record<CheckName, CheckState>>;
}

export interface ReadinessOptions {
  /** How long each check may take. */
  timeoutMs: number;
  /** A report is reused this long, so polling `/readyz` cannot become load on the database and Ollama. */
  reuseMs: number;
}

/** Runs every check at once; callers arriving while a run is in flight share it. */
export class ReadinessChecker {
  private running: Promise<ReadinessReport> | null = null;
  private last: { report: ReadinessReport; at: number } | null = null;

  constructor(
    private readonly checks: readonly ReadinessCheck[],
    private readonly options: ReadinessOptions,
  ) {}

  check(): Promise<ReadinessReport> {
    if (this.last && performance.now() - this.last.at < this.options.reuseMs) return Promise.resolve(this.last.report);
    this.running ??= this.runAll().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  async close(): Promise<void> {
    await Promise.all(this.checks.map((check) => check.close?.()));
  }

  private async runAll(): Promise<ReadinessReport> {
    const states = await Promise.all(this.checks.map((check) => runCheck(check, this.options.timeoutMs)));
    const report: ReadinessReport = { ready: true, failing: [], degraded: [], checks: {} };
    this.checks.forEach((check, index) => {
      const state = states[index]!;
      report.checks[check.name] = state;
      if (state.state === "down" && check.essential) {
        report.ready = false;
        report.failing.push(check.name);
      } else if (state.state === "down") {
        report.degraded.push(check.name);
      }
    });
    this.last = { report, at: performance.now() };
    return report;
  }
}

async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<CheckState> {
  const startedAt = performance.now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve("timeout");
    }, timeoutMs);
  });
  const latency = () => Math.round((performance.now() - startedAt) * 10) / 10;
  try {
    const result = await Promise.race([check.run(controller.signal).then(() => "up" as const), timedOut]);
    return result === "up" ? { state: "up", latencyMs: latency() } : { state: "down", latencyMs: latency(), problem: "timeout" };
  } catch {
    return { state: "down", latencyMs: latency(), problem: controller.signal.aborted ? "timeout" : "failed" };
  } finally {
    clearTimeout(timer);
  }
}

/** A trivial query over the connection Recall uses (SQLite or PostgreSQL alike). */
export function databaseCheck(database: { $queryRawUnsafe(query: string): Promise<unknown> }): ReadinessCheck {
  return { name: "database", essential: true, run: () => database.$queryRawUnsafe("SELECT 1") };
}

/** `/api/version`: answered by Ollama without touching any model. */
export function ollamaCheck(host: string): ReadinessCheck {
  const url = `${host.replace(/\/+$/, "")}/api/version`;
  return {
    name: "ollama",
    essential: false,
    async run(signal) {
      const response = await fetch(url, { signal });
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`Ollama answered ${response.status}`);
    },
  };
}

/**
 * A PING on a connection of its own, opened on the first check: the cache's connection
 * answers from memory when Redis is away, so its state alone would not show a stalled Redis.
 * No reconnect loop in the background: each check connects again if it has to.
 */
export function redisCheck(url: string, database: number, timeoutMs: number): ReadinessCheck {
  const client = new Redis(url, {
    db: database,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    retryStrategy: () => null,
  });
  // Failures are reported by the check; an unhandled 'error' event would crash the process.
  client.on("error", () => {});
  return {
    name: "redis",
    essential: false,
    async run() {
      if (client.status === "wait" || client.status === "end") await client.connect();
      await client.ping();
    },
    async close() {
      client.disconnect();
    },
  };
}
