import { startFakeOllama, type FakeOllama } from "@recall/fake-ollama";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectStream, startHarness, waitFor, type Harness } from "../testing/harness.ts";
import { hostLabel } from "./label-values.ts";

/**
 * `/readyz` and `/metrics` with an Ollama pool of two real fake Ollama servers, the second
 * named with credentials in its URL, then stopped: readiness reports each host and stays ready
 * while one answers; the per-host gauges follow the pool; no label or report holds the password.
 */
const metricsToken = "an-operators-metrics-token-for-the-pool";
const password = "s3cret-pool-password";
let hostA: FakeOllama;
let hostB: FakeOllama;
let urlB: string;
let harness: Harness;

interface Readiness {
  status: number;
  body: { status: string; degraded: string[]; checks: { ollama: { state: string; hosts: Array<{ host: string; state: string; problem?: string }> } } };
  text: string;
}

async function readyz(): Promise<Readiness> {
  const response = await fetch(`${harness.url}/readyz`);
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as Readiness["body"], text };
}

async function scrape(): Promise<string> {
  const response = await fetch(`${harness.url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } });
  expect(response.status).toBe(200);
  return response.text();
}

/** A sample's value, or null when the series is absent. */
function sample(text: string, series: string): number | null {
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : null;
}

const gauge = (name: string, url: string) => `${name}{host="${hostLabel(url)}"}`;

beforeAll(async () => {
  // Host A streams slowly enough for a running call to be seen.
  hostA = await startFakeOllama({ tokensPerSecond: 20, replyTokens: 40 });
  hostB = await startFakeOllama({});
  urlB = hostB.url.replace("http://", `http://recall:${password}@`);
  harness = await startHarness({
    config: { ollamaHosts: [hostA.url, urlB], ollamaHealthIntervalMs: 200 },
    recall: { operations: { metricsToken, readinessReuseMs: 0, readinessTimeoutMs: 1000 } },
  });
}, 60_000);

afterAll(async () => {
  await harness?.close();
  await hostA?.close();
  await hostB?.close();
});

describe("readiness and metrics of the Ollama pool", () => {
  it("labels a host by scheme, host, port and path, never its credentials", () => {
    expect(hostLabel("http://user:pa%3Ass@ollama-1:11434/?token=x#y")).toBe("http://ollama-1:11434");
    expect(hostLabel("https://gpu.example/ollama/")).toBe("https://gpu.example/ollama");
    expect(hostLabel("not a url")).toBe("invalid-url");
  });

  it("reports every host: ready with both up, ready but degraded with one stopped, still serving through the other", async () => {
    const both = await readyz();
    expect(both.status).toBe(200);
    expect(both.body.status).toBe("ready");
    expect(both.body.checks.ollama.state).toBe("up");
    expect(both.body.checks.ollama.hosts).toEqual([
      expect.objectContaining({ host: hostLabel(hostA.url), state: "up" }),
      expect.objectContaining({ host: hostLabel(hostB.url), state: "up" }),
    ]);
    expect(both.text).not.toContain(password);

    await hostB.close();
    const one = await readyz();
    expect(one.status).toBe(200);
    expect(one.body.status).toBe("degraded");
    expect(one.body.degraded).toEqual(["ollama"]);
    expect(one.body.checks.ollama.state).toBe("up");
    expect(one.body.checks.ollama.hosts).toEqual([
      expect.objectContaining({ host: hostLabel(hostA.url), state: "up" }),
      expect.objectContaining({ host: hostLabel(hostB.url), state: "down", problem: "failed" }),
    ]);
    expect(one.text).not.toContain(password);

    // The gauges follow the pool's own view: B taken out once its probe fails, A in.
    const healthy = await waitFor(async () => {
      const text = await scrape();
      return sample(text, gauge("recall_ollama_host_healthy", hostB.url)) === 0 ? text : null;
    }, 10_000);
    expect(sample(healthy, gauge("recall_ollama_host_healthy", hostA.url))).toBe(1);
    expect(healthy).not.toContain(password);
    expect(healthy).not.toContain("recall:");

    // A reply runs on A, and A's running-calls gauge shows it while it streams.
    const { client } = await harness.newUser();
    const session = await client.session.create.mutate({});
    const { assistantMessage } = await client.message.send.mutate({ sessionId: session.id, content: "Tell me about pumps." });
    const streaming = collectStream(client, assistantMessage.id, { timeoutMs: 20_000 });
    await waitFor(async () => sample(await scrape(), gauge("recall_ollama_host_running_calls", hostA.url)) === 1, 10_000);
    expect(sample(await scrape(), gauge("recall_ollama_host_running_calls", hostB.url))).toBe(0);
    expect((await streaming).final).toMatchObject({ type: "done" });
    await waitFor(async () => sample(await scrape(), gauge("recall_ollama_host_running_calls", hostA.url)) === 0, 5_000);
  }, 60_000);

  it("stays ready (Ollama is not essential) but reports the check down once every host is", async () => {
    await hostA.close();
    const none = await readyz();
    expect(none.status).toBe(200);
    expect(none.body.status).toBe("degraded");
    expect(none.body.checks.ollama.state).toBe("down");
    expect(none.body.checks.ollama.hosts.map((host) => host.state)).toEqual(["down", "down"]);
    await waitFor(async () => sample(await scrape(), gauge("recall_ollama_host_healthy", hostA.url)) === 0, 10_000);
  }, 30_000);
});
