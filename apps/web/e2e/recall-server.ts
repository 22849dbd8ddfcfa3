import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

/**
 * The real server, as its own process, in demo mode (the built-in fake Ollama), serving
 * the built app. Spawned rather than imported: the web app depends on the server's types only.
 */
export async function startRecallServer(): Promise<{ url: string; stop(): Promise<void> }> {
  const entry = new URL("../../server/src/server.ts", import.meta.url).pathname;
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", entry], {
    cwd: new URL("../../server/", import.meta.url).pathname,
    env: {
      ...process.env,
      HOST: "127.0.0.1",
      PORT: "0",
      LOG_LEVEL: "info",
      RECALL_DEMO_FAKE_OLLAMA: "1",
      RECALL_DATA_DIR: mkdtempSync(join(tmpdir(), "recall-e2e-")),
      RECALL_WEB_DIST: new URL("../dist", import.meta.url).pathname,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("Recall did not start in 30 s")), 30_000);
    child.once("exit", (code) => reject(new Error(`Recall exited with ${code}`)));
    createInterface({ input: child.stdout! }).on("line", (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; address?: string };
        if (entry.msg === "Recall is listening" && entry.address) {
          clearTimeout(timer);
          resolve(entry.address);
        }
      } catch {
        // Not a log line.
      }
    });
  });
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
