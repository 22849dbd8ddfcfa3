import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

const workerEntry = new URL("../worker.ts", import.meta.url).pathname;

export interface WorkerProcess {
  child: ChildProcess;
  /** Log lines (parsed JSON) the worker wrote so far. */
  logs: Array<{ msg?: string; level?: number; [key: string]: unknown }>;
  /** SIGTERM (finishes or hands back its jobs) and wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash, and wait for the exit. */
  kill(): Promise<void>;
}

/**
 * The real job worker (`src/worker.ts`, what `pnpm start:worker` runs) as its own process, with
 * the given settings on top of this process's environment. Resolves once it logs that it runs.
 */
export async function startWorkerProcess(environment: Record<string, string>): Promise<WorkerProcess> {
  // Node itself with tsx's loader: the tsx CLI would run the worker in a grandchild that SIGKILL misses.
  const child = spawn(process.execPath, ["--import", "tsx", workerEntry], {
    cwd: new URL("../..", import.meta.url).pathname,
    env: { ...process.env, LOG_LEVEL: "info", ...environment },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const logs: WorkerProcess["logs"] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the worker did not start within 30 s")), 30_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the worker exited during start-up with ${code}`));
    });
    createInterface({ input: child.stdout! }).on("line", (line) => {
      try {
        const entry = JSON.parse(line) as WorkerProcess["logs"][number];
        logs.push(entry);
        if (entry.msg === "Recall worker is running") {
          clearTimeout(timer);
          resolve();
        }
      } catch {
        // Not a log line of ours.
      }
    });
  });
  const end = (signal: NodeJS.Signals) => (): Promise<void> =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill(signal);
    });
  return { child, logs, stop: end("SIGTERM"), kill: end("SIGKILL") };
}
