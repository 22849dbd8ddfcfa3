import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";

/** A throwaway redis-server of our own (Debian's binary), so a test can kill, pause and restart it. */
export interface RedisProcess {
  url: string;
  port: number;
  kill(): Promise<void>;
  pause(): void;
  resume(): void;
  restart(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

export async function startRedisProcess(): Promise<RedisProcess> {
  const port = await freePort();
  let child: ChildProcess;
  const launch = async (): Promise<void> => {
    child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
    const { Redis } = await import("ioredis");
    for (let attempt = 0; attempt < 50; attempt += 1) {
      const probe = new Redis(port, "127.0.0.1", { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on("error", () => {});
      try {
        await probe.connect();
        await probe.ping();
        probe.disconnect();
        return;
      } catch {
        probe.disconnect();
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    throw new Error("redis-server did not start");
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGKILL");
      }),
    pause: () => void child.kill("SIGSTOP"),
    resume: () => void child.kill("SIGCONT"),
    restart: launch,
  };
}
