import { execFile } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "./free-port.ts";

const run = promisify(execFile);

/**
 * A private PostgreSQL cluster (Debian's binaries, trust auth, its own port and socket
 * directory) that a test may stop and start: the machine's shared cluster on 5432 is never
 * touched. As root (CI), the cluster runs as the `postgres` user, since initdb refuses root.
 */
export interface PostgresProcess {
  /** `postgresql://postgres@127.0.0.1:<port>/postgres`. */
  url: string;
  port: number;
  /** Fast shutdown: open connections are cut, as when PostgreSQL is restarted. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the cluster and deletes its files. */
  remove(): Promise<void>;
}

function postgresBinaries(): string {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).filter((name) => existsSync(join(root, name, "bin", "initdb"))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error("No PostgreSQL server binaries under /usr/lib/postgresql (install Debian's postgresql package).");
  return join(root, newest, "bin");
}

export async function startPostgresProcess(): Promise<PostgresProcess> {
  const binaries = postgresBinaries();
  const directory = mkdtempSync(join(tmpdir(), "recall-postgres-"));
  const dataDirectory = join(directory, "data");
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { stdout } = await run("id", ["-u", "postgres"]);
    const { stdout: group } = await run("id", ["-g", "postgres"]);
    chownSync(directory, Number(stdout.trim()), Number(group.trim()));
  }
  chmodSync(directory, 0o700);
  // runuser keeps our environment out: the cluster sees only what it needs.
  const as = (command: string, args: string[]) =>
    asRoot ? run("runuser", ["-u", "postgres", "--", join(binaries, command), ...args]) : run(join(binaries, command), args);
  const port = await freePort();
  await as("initdb", ["-D", dataDirectory, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
  const serverOptions = `-p ${port} -k ${directory} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`;
  const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  const start = async (): Promise<void> => {
    await as("pg_ctl", ["-D", dataDirectory, "-o", serverOptions, "-l", join(directory, "server.log"), "-w", "-t", "30", "start"]);
  };
  const stop = async (): Promise<void> => {
    await as("pg_ctl", ["-D", dataDirectory, "-m", "fast", "-w", "-t", "30", "stop"]);
  };
  await start();
  return {
    url,
    port,
    stop,
    start,
    async remove() {
      await stop().catch(() => undefined);
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
