import { fork, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { startServerProcess, type ServerProcess } from "@recall/server/testing";

const clockTicksPerSecond = 100;

/** CPU seconds (user + system) a process has used, from /proc. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond;
}

export function residentBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}

/** Samples a process's RSS every 50 ms until stopped: its size before, and the peak in between. */
export function watchResidentMemory(pid: number): { stop(): { idleRssBytes: number; peakRssBytes: number } } {
  const idleRssBytes = residentBytes(pid);
  let peakRssBytes = idleRssBytes;
  const sampler = setInterval(() => {
    peakRssBytes = Math.max(peakRssBytes, residentBytes(pid));
  }, 50);
  return {
    stop() {
      clearInterval(sampler);
      return { idleRssBytes, peakRssBytes: Math.max(peakRssBytes, residentBytes(pid)) };
    },
  };
}

export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

export async function startFakeOllamaProcess(environment: Record<string, string>): Promise<{ child: ChildProcess; url: string; collect(): Promise<Record<string, number[]>> }> {
  const child = fork(new URL("./fake-ollama-process.ts", import.meta.url).pathname, [], {
    execArgv: ["--import", "tsx"],
    env: { ...process.env, ...environment },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`fake Ollama exited with ${code}`)));
    child.once("message", (message: { type: string; url: string }) => resolve(message.url));
  });
  return {
    child,
    url,
    collect: () =>
      new Promise((resolve) => {
        child.once("message", (message: { times: Record<string, number[]> }) => resolve(message.times));
        child.send({ type: "collect" });
      }),
  };
}

/** The real server in its own process, so its CPU and memory can be read alone. */
/**
 * Benchmarks stand for many people from one address on one machine: every per-user,
 * per-address and per-server limit is off unless a benchmark sets it (the trust benchmark
 * measures with them on). Timeouts and the body limit stay as shipped.
 */
export const limitsOff: Record<string, string> = {
  RECALL_LIMIT_MESSAGES_PER_SECOND: "0",
  RECALL_LIMIT_MESSAGES_PER_MINUTE: "0",
  RECALL_LIMIT_GENERATIONS_PER_USER: "0",
  RECALL_LIMIT_GENERATIONS_PER_SERVER: "0",
  RECALL_LIMIT_GENERATION_QUEUE: "0",
  RECALL_LIMIT_STORED_CHARS_PER_USER: "0",
  RECALL_LIMIT_CHATS_PER_USER: "0",
  RECALL_LIMIT_TEMPORARY_CHATS_PER_USER: "0",
  RECALL_LIMIT_TEMPORARY_CHARS_PER_USER: "0",
  RECALL_LIMIT_USERS_PER_ADDRESS_PER_HOUR: "0",
  RECALL_LIMIT_LOGIN_ATTEMPTS: "0",
  RECALL_LIMIT_BATCH_SIZE: "0",
  RECALL_LIMIT_CONNECTIONS: "0",
  RECALL_LIMIT_CONNECTIONS_PER_ADDRESS: "0",
};

/** `limits: "as shipped"` keeps the server's own defaults (what `environment` does not set). */
export function startRecallProcess(environment: Record<string, string>, options: { serverDirectory?: string; limits?: "off" | "as shipped" } = {}): Promise<ServerProcess> {
  const profile = process.env.BENCH_CPU_PROFILE_DIR;
  const serverDirectory = options.serverDirectory;
  // BENCH_CPU_PROFILE_DIR: write a V8 CPU profile of the server (open it in Chrome DevTools).
  return startServerProcess({ ...(options.limits === "as shipped" ? {} : limitsOff), ...environment }, { nodeArguments: profile ? ["--cpu-prof", "--cpu-prof-interval=100", `--cpu-prof-dir=${profile}`] : [], ...(serverDirectory ? { serverDirectory } : {}) });
}

export function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}
