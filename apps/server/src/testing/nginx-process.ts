import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.ts";

/** The shipped site configuration (`deploy/nginx/recall.conf`). */
export const nginxSitePath = new URL("../../../../deploy/nginx/recall.conf", import.meta.url).pathname;

export interface NginxSiteOptions {
  /** `host:port` of each instance, in place of the template's list. */
  upstreams: string[];
  port: number;
  /** Replaces every `proxy_read_timeout` (a test's short one). */
  readTimeout?: string;
}

/**
 * The shipped site for a test's own instances: its upstream list and listen line replaced,
 * nothing else. Throws when the template no longer has what it replaces, so the test cannot
 * silently test something else than what ships.
 */
export function renderNginxSite(template: string, options: NginxSiteOptions): string {
  const upstreamLine = /^\s*server recall-\d+:3000[^;]*;\n/gm;
  if (!template.match(upstreamLine)?.length || !template.includes("upstream recall_instances {\n") || !/^\s*listen 80;$/m.test(template)) {
    throw new Error("deploy/nginx/recall.conf no longer has the upstream list or the listen line this test renders");
  }
  let site = template
    .replace(upstreamLine, "")
    .replace("upstream recall_instances {\n", `upstream recall_instances {\n${options.upstreams.map((address) => `    server ${address} max_fails=1 fail_timeout=5s;\n`).join("")}`)
    .replace(/^(\s*)listen 80;$/m, `$1listen 127.0.0.1:${options.port};`);
  if (options.readTimeout) site = site.replace(/proxy_read_timeout \S+;/g, `proxy_read_timeout ${options.readTimeout};`);
  return site;
}

export interface NginxProcess {
  url: string;
  port: number;
  /** One line per request: `<uri> <status> <upstream address> <request time>`. */
  accessLog(): string[];
  errorLog(): string;
  stop(): Promise<void>;
}

/**
 * Debian's nginx in the foreground with everything it writes (pid, temp files, logs) in a
 * directory of its own, so it runs beside the package's own site without touching it.
 * `site(port)` returns the server{} configuration for the port nginx will listen on.
 */
export async function startNginx(site: (port: number) => string, options: { httpDirectives?: string[]; workerConnections?: number } = {}): Promise<NginxProcess> {
  const directory = mkdtempSync(join(tmpdir(), "recall-nginx-"));
  // The workers run as an unprivileged user when we are root: they must reach the temp paths.
  chmodSync(directory, 0o755);
  const port = await freePort();
  const configuration = `
worker_processes 1;
error_log ${directory}/error.log info;
pid ${directory}/nginx.pid;
worker_rlimit_nofile ${Math.max(2048, (options.workerConnections ?? 1024) * 2)};
events { worker_connections ${options.workerConnections ?? 1024}; }
http {
  log_format recall '$request_uri $status $upstream_addr $request_time';
  access_log ${directory}/access.log recall;
  client_body_temp_path ${directory}/client_body;
  proxy_temp_path ${directory}/proxy;
  fastcgi_temp_path ${directory}/fastcgi;
  uwsgi_temp_path ${directory}/uwsgi;
  scgi_temp_path ${directory}/scgi;
  ${(options.httpDirectives ?? []).join("\n  ")}
${site(port)}
}
`;
  const configurationPath = join(directory, "nginx.conf");
  writeFileSync(configurationPath, configuration);
  const binary = existsSync("/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx";
  const child: ChildProcess = spawn(binary, ["-c", configurationPath, "-p", directory, "-g", "daemon off;"], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  await waitForPort(port, child, () => stderr);
  const read = (name: string): string => {
    try {
      return readFileSync(join(directory, name), "utf8");
    } catch {
      return "";
    }
  };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    accessLog: () => read("access.log").split("\n").filter(Boolean),
    errorLog: () => read("error.log"),
    stop: () =>
      new Promise((resolve) => {
        const done = (): void => {
          rmSync(directory, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once("exit", done);
        // Fast shutdown: open streams are cut, as the test is over.
        child.kill("SIGTERM");
      }),
  };
}

async function waitForPort(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nginx did not listen within 10 s: ${stderr()}`);
}
