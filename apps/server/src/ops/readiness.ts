import { Redis } from "ioredis";
import { hostLabel } from "./label-values.ts";

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
  /**
   * Resolves when the dependency answered; `signal` aborts at the check's timeout. A check of
   * several hosts resolves to their states (`HostsOutcome`): up while one of them is.
   */
  run(signal: AbortSignal): Promise<unknown>;
  close?(): Promise<void>;
}

/** No error text: a message can carry a host, a path or a URL with credentials. */
export interface CheckState {
  state: "up" | "down";
  latencyMs: number;
  problem?: "timeout" | "failed";
  /** A dependency on several hosts (the Ollama pool): each one, by `hostLabel` (no credentials). */
  hosts?: HostCheckState[];
}

export interface HostCheckState {
  host: string;
  state: "up" | "down";
  latencyMs: number;
  problem?: "timeout" | "failed";
}

/** What a check of several hosts resolves to. */
export interface HostsOutcome {
  hosts: HostCheckState[];
}

function isHostsOutcome(value: unknown): value is HostsOutcome {
  return typeof value === "object" && value !== null && Array.isArray((value as HostsOutcome).hosts);
}

export interface ReadinessReport {
  ready: boolean;
  /** Essential checks that are down (the instance is not ready). */
  failing: CheckName[];
  /** Other checks that are down, or have a host down: the instance serves, degraded. */
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
      } else if (state.state === "down" || state.hosts?.some((host) => host.state === "down")) {
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
    const result = await Promise.race([check.run(controller.signal).then((value) => ({ value })), timedOut]);
    if (result === "timeout") return { state: "down", latencyMs: latency(), problem: "timeout" };
    if (!isHostsOutcome(result.value)) return { state: "up", latencyMs: latency() };
    const hosts = result.value.hosts;
    return hosts.some((host) => host.state === "up") ? { state: "up", latencyMs: latency(), hosts } : { state: "down", latencyMs: latency(), problem: "failed", hosts };
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
  return {
    name: "ollama",
    essential: false,
    run: (signal) => askOllamaVersion(host, signal),
  };
}

/**
 * The Ollama pool: every host's `/api/version` at once, each within `probeTimeoutMs` (under the
 * check's own timeout, so a hung host reads as that host's timeout, not the whole check's). Up
 * while one host answers: the pool routes around the others.
 */
export function ollamaHostsCheck(hosts: readonly string[], probeTimeoutMs: number): ReadinessCheck {
  return {
    name: "ollama",
    essential: false,
    async run(signal): Promise<HostsOutcome> {
      const states = await Promise.all(
        hosts.map(async (host): Promise<HostCheckState> => {
          const startedAt = performance.now();
          const probe = AbortSignal.any([signal, AbortSignal.timeout(probeTimeoutMs)]);
          const latencyMs = () => Math.round((performance.now() - startedAt) * 10) / 10;
          try {
            await askOllamaVersion(host, probe);
            return { host: hostLabel(host), state: "up", latencyMs: latencyMs() };
          } catch {
            return { host: hostLabel(host), state: "down", latencyMs: latencyMs(), problem: probe.aborted ? "timeout" : "failed" };
          }
        }),
      );
      return { hosts: states };
    },
  };
}

/** fetch refuses a URL with credentials: they go in an Authorization header instead. */
async function askOllamaVersion(host: string, signal: AbortSignal): Promise<void> {
  const url = new URL(`${host.replace(/\/+$/, "")}/api/version`);
  const headers: Record<string, string> = {};
  if (url.username || url.password) {
    headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString("base64")}`;
    url.username = "";
    url.password = "";
  }
  const response = await fetch(url, { signal, headers });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`Ollama answered ${response.status}`);
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
