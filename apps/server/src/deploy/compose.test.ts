import { execFileSync, spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../env.ts";

/**
 * The compose file for the scaled mode, checked as far as a machine without a Docker engine
 * can: Debian's docker-compose resolves and validates it, and the environment it gives each
 * Recall service passes the server's own settings schema.
 */
const composeFile = new URL("../../../../deploy/compose.yaml", import.meta.url).pathname;
const required = { POSTGRES_PASSWORD: "a-password", RECALL_SECRET: "s".repeat(48), RECALL_METRICS_TOKEN: "m".repeat(40) };

function compose(args: string[], environment: Record<string, string>) {
  return spawnSync("docker-compose", ["-f", composeFile, ...args], { env: { PATH: process.env.PATH ?? "", ...environment }, encoding: "utf8" });
}

/** A service's `environment:` block from the resolved file (`KEY: value` lines, one level deeper). */
function environmentOf(resolved: string, service: string): Record<string, string> {
  const lines = resolved.split("\n");
  const start = lines.indexOf(`  ${service}:`);
  const environment: Record<string, string> = {};
  let inside = false;
  for (const line of lines.slice(start + 1)) {
    if (/^ {2}\S/.test(line)) break;
    if (line === "    environment:") {
      inside = true;
      continue;
    }
    if (!inside) continue;
    const match = /^ {6}([A-Z0-9_]+): ?(.*)$/.exec(line);
    if (!match) break;
    environment[match[1]!] = match[2]!.replace(/^'(.*)'$/, "$1");
  }
  return environment;
}

describe("deploy/compose.yaml", () => {
  it("resolves with the required secrets, and names what is missing without them", () => {
    const valid = compose(["config", "-q"], required);
    expect(valid.status, valid.stderr).toBe(0);
    const missing = compose(["config", "-q"], { ...required, RECALL_SECRET: "" });
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain("RECALL_SECRET");
  });

  it("runs the scaled mode: PostgreSQL, Redis, Ollama, two instances, a worker and nginx", () => {
    const services = compose(["config", "--services"], required).stdout.trim().split("\n").sort();
    expect(services).toEqual(["nginx", "ollama", "postgres", "recall-1", "recall-2", "redis", "worker"]);
  });

  it("gives every Recall service settings the server accepts, in the scaled mode", () => {
    const resolved = execFileSync("docker-compose", ["-f", composeFile, "config"], { env: { PATH: process.env.PATH ?? "", ...required }, encoding: "utf8" });
    for (const service of ["recall-1", "recall-2", "worker"]) {
      const environment = environmentOf(resolved, service);
      expect(Object.keys(environment).length, service).toBeGreaterThan(5);
      const config = loadConfig({ ...environment, RECALL_DATA_DIR: "/tmp" });
      expect(config.eventLog, service).toBe("redis");
      expect(config.jobs.mode, service).toBe("queue");
      expect(config.databaseUrl, service).toMatch(/^postgresql:/);
      // Slots counted across instances need to know how many each host has.
      expect(config.sharedSlots, service).toBe(true);
      expect(config.ollamaNumParallel, service).toBeGreaterThan(0);
    }
  });
});
