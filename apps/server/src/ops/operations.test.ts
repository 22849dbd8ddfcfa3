import { createServer, connect, type Server, type Socket } from "node:net";
import { createTestDatabase } from "@recall/db/testing";
import { afterEach, describe, expect, it } from "vitest";
import { collectStream, startHarness, waitFor, type Harness, type RecallClient } from "../testing/harness.ts";
import { harnessPerFile } from "../testing/harness-per-file.ts";
import { startRedisProcess } from "../testing/redis-process.ts";

const metricsToken = "an-operators-metrics-token-of-some-length";
const logLines: string[] = [];

let harness: Harness;
let client: RecallClient;

harnessPerFile(
  {
    config: { logLevel: "info" },
    recall: { operations: { metricsToken, readinessReuseMs: 0, logDestination: { write: (line) => void logLines.push(line) } } },
  },
  (context) => ({ harness, client } = context),
);

async function scrape(target: Harness = harness): Promise<string> {
  const response = await fetch(`${target.url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } });
  expect(response.status).toBe(200);
  return response.text();
}

/** A sample's value in the exposition text; 0 when the series does not exist yet. */
function sample(text: string, series: string): number {
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

async function readyz(target: Harness): Promise<{ status: number; body: { status: string; failing: string[]; checks: Record<string, { state: string; latencyMs: number; problem?: string }> } }> {
  const response = await fetch(`${target.url}/readyz`);
  return { status: response.status, body: (await response.json()) as never };
}

describe("/metrics", () => {
  it("is refused without the operator's token and served with it", async () => {
    const anonymous = await fetch(`${harness.url}/metrics`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toMatch(/^Bearer/);
    const wrong = await fetch(`${harness.url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}x` } });
    expect(wrong.status).toBe(401);
    const text = await scrape();
    expect(text).toContain("# TYPE recall_http_request_duration_seconds histogram");
    expect(text).toContain("process_resident_memory_bytes");
  });

  it("moves the first-token histogram and the token counters of the model by what Ollama reported", async () => {
    const before = await scrape();
    const session = await client.session.create.mutate({});
    harness.fake.queueScript({ tokens: ["One", " two", " three", " four"] });
    const { assistantMessage } = await client.message.send.mutate({ sessionId: session.id, content: "Count to four." });
    const stream = await collectStream(client, assistantMessage.id);
    const done = stream.final as { type: "done"; promptTokens: number; completionTokens: number };
    expect(done).toMatchObject({ type: "done", completionTokens: 4 });
    expect(done.promptTokens).toBeGreaterThan(0);

    const after = await scrape();
    const moved = (series: string) => sample(after, series) - sample(before, series);
    expect(moved('recall_reply_first_token_seconds_count{model="llama3.2"}')).toBe(1);
    expect(moved('recall_reply_stream_seconds_count{model="llama3.2"}')).toBe(1);
    expect(moved('recall_prompt_tokens_total{model="llama3.2"}')).toBe(done.promptTokens);
    expect(moved('recall_completion_tokens_total{model="llama3.2"}')).toBe(4);
    expect(moved('recall_replies_total{outcome="done"}')).toBe(1);
    expect(moved('recall_http_request_duration_seconds_count{method="POST",route="/trpc/message.send",status_class="2xx"}')).toBe(1);
  });

  it("is off (404) when no token is configured", async () => {
    const plain = await startHarness();
    try {
      expect((await fetch(`${plain.url}/metrics`)).status).toBe(404);
      expect((await fetch(`${plain.url}/metrics`, { headers: { authorization: "Bearer " } })).status).toBe(404);
    } finally {
      await plain.close();
    }
  });
});

describe("/livez and /readyz", () => {
  it("answers /livez without looking at anything", async () => {
    const response = await fetch(`${harness.url}/livez`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "alive" });
  });

  it("is ready with the database and Ollama up, and says how long each took", async () => {
    const { status, body } = await readyz(harness);
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: "ready", failing: [], checks: { database: { state: "up" }, ollama: { state: "up" } } });
    expect(body.checks.redis).toBeUndefined();
    expect(body.checks.database!.latencyMs).toBeGreaterThanOrEqual(0);
  });
});

describe("readiness when a dependency is gone", () => {
  let target: Harness | null = null;
  afterEach(async () => {
    await target?.close();
    target = null;
  });

  it("stays ready but degraded, naming Ollama, once Ollama is closed (chats and history still work)", async () => {
    target = await startHarness({ recall: { operations: { readinessReuseMs: 0, readinessTimeoutMs: 1000 } } });
    expect((await readyz(target)).status).toBe(200);
    await target.fake.close();
    const { status, body } = await readyz(target);
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: "degraded", failing: [], degraded: ["ollama"], checks: { ollama: { state: "down" }, database: { state: "up" } } });
    expect(JSON.stringify(body)).not.toContain("127.0.0.1");
  });

  it("is 503 naming the database once its port closes (PostgreSQL through a proxy we close)", async () => {
    const database = await createTestDatabase({ provider: "postgresql" });
    const proxy = await startTcpProxy(new URL(database.url));
    const proxied = new URL(database.url);
    proxied.port = String(proxy.port);
    try {
      target = await startHarness({ database, config: { databaseUrl: proxied.href }, recall: { operations: { readinessReuseMs: 0, readinessTimeoutMs: 1500 } } });
      expect((await readyz(target)).status).toBe(200);
      await proxy.close();
      const { status, body } = await readyz(target);
      expect(status).toBe(503);
      expect(body).toMatchObject({ failing: ["database"], checks: { database: { state: "down" }, ollama: { state: "up" } } });
      expect(JSON.stringify(body)).not.toContain("postgres");
    } finally {
      await proxy.close();
      await target?.close().catch(() => undefined);
      target = null;
      await database.close();
    }
  });

  it("checks Redis when configured, and stays ready but degraded, naming it, once it is killed (the cache falls back to memory)", async () => {
    const redis = await startRedisProcess();
    try {
      target = await startHarness({ config: { redisUrl: redis.url }, recall: { operations: { readinessReuseMs: 0, readinessTimeoutMs: 1000 } } });
      expect(await readyz(target)).toMatchObject({ status: 200, body: { checks: { redis: { state: "up" } } } });
      await redis.kill();
      const { status, body } = await readyz(target);
      expect(status).toBe(200);
      expect(body).toMatchObject({ status: "degraded", failing: [], degraded: ["redis"], checks: { redis: { state: "down" } } });
    } finally {
      await redis.kill();
    }
  });
});

describe("request logs", () => {
  it("log one line per request with its id, route, sizes and timing, and never the query or any text sent", async () => {
    const canary = "quokka-canary-5521";
    logLines.length = 0;
    const session = await client.session.create.mutate({});
    const { assistantMessage } = await client.message.send.mutate({ sessionId: session.id, content: `Remember the word ${canary}.` });
    await collectStream(client, assistantMessage.id);
    await client.session.search.query({ query: canary });
    const probe = await fetch(`${harness.url}/livez?note=${canary}`, { headers: { "x-request-id": "proxy-id-1234" } });
    expect(probe.headers.get("x-request-id")).toBe("proxy-id-1234");
    const spoofed = await fetch(`${harness.url}/trpc/${canary}?input=${canary}`, { headers: { "x-request-id": `bad id ${canary}` } });
    expect(spoofed.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    await fetch(`${harness.url}/${canary}/nothing-here?q=${canary}`);
    const metricsText = await scrape();

    const entries = await waitFor(() => {
      const parsed = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
      return parsed.some((entry) => entry.route === "/trpc/message.stream") && parsed;
    });
    const requests = entries.filter((entry) => entry.msg === "request finished");
    const send = requests.find((entry) => entry.route === "/trpc/message.send");
    expect(send).toMatchObject({ method: "POST", status: 200, procedures: ["message.send"] });
    expect(send!.reqId).toEqual(expect.any(String));
    expect(send!.requestBytes).toBeGreaterThan(canary.length);
    expect(send!.responseBytes).toBeGreaterThan(0);
    expect(send!.durationMs).toEqual(expect.any(Number));
    expect(requests.find((entry) => entry.route === "/trpc/session.search")).toMatchObject({ method: "GET", status: 200 });
    expect(requests.find((entry) => entry.route === "/trpc/(unknown)")).toMatchObject({ status: 404 });
    expect(requests.find((entry) => entry.route === "(unmatched)")).toBeDefined();
    // Probes are logged at debug only.
    expect(requests.find((entry) => entry.route === "/livez")).toBeUndefined();

    const everything = logLines.join("\n");
    expect(everything).not.toContain(canary);
    expect(everything).not.toContain("?");
    expect(metricsText).not.toContain(canary);
  });
});

/** A real TCP hop in front of a server, which a test can take away (port closed, connections cut). */
async function startTcpProxy(upstream: URL): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((incoming) => {
    const outgoing = connect(Number(upstream.port || 5432), upstream.hostname);
    for (const socket of [incoming, outgoing]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => socket.destroy());
    }
    incoming.pipe(outgoing).pipe(incoming);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("the proxy has no port");
  let closing: Promise<void> | null = null;
  return {
    port: address.port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
