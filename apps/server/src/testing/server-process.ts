import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

const serverEntry = new URL("../server.ts", import.meta.url).pathname;

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** SIGTERM (graceful shutdown) and wait for the exit. */
  stop(): Promise<void>;
}

/**
 * The real server entry point as its own process: killed like a crash in tests,
 * measured alone (CPU, memory) in benchmarks. Resolves with its address once it logs
 * that it is listening.
 */
export async function startServerProcess(
  environment: Record<string, string>,
  /** `serverDirectory`: another checkout's `apps/server` (a benchmark's baseline); this one by default. */
  options: { nodeArguments?: string[]; serverDirectory?: string } = {},
): Promise<ServerProcess> {
  const directory = options.serverDirectory ?? new URL("../..", import.meta.url).pathname;
  // Node itself with tsx's loader: the tsx CLI would run the server in a grandchild that SIGKILL misses.
  const child = spawn(process.execPath, ["--import", "tsx", ...(options.nodeArguments ?? []), options.serverDirectory ? `${directory}/src/server.ts` : serverEntry], {
    cwd: directory,
    env: { ...process.env, ...environment, HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the server did not start within 30 s")), 30_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited during start-up with ${code}`));
    });
    createInterface({ input: child.stdout! }).on("line", (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; address?: string; level?: number };
        if (entry.msg === "Recall is listening" && entry.address) {
          clearTimeout(timer);
          resolve(entry.address);
        } else if ((entry.level ?? 0) >= 50) {
          console.error(`server: ${entry.msg}`);
        }
      } catch {
        // Not a log line of ours.
      }
    });
  });
  return {
    child,
    url,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
