import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { createInterface } from "node:readline";
import { join } from "node:path";
import { createTestDatabase, type TestDatabase } from "@recall/db/testing";
import { startFakeOllama, type FakeOllama } from "@recall/fake-ollama";
import { TRPCClientError } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../env.ts";
import { collectStream, createClient, waitFor, type RecallClient } from "../testing/harness.ts";
import { nginxSitePath, renderNginxSite, startNginx, type NginxProcess } from "../testing/nginx-process.ts";
import { startRedisProcess, type RedisProcess } from "../testing/redis-process.ts";
import { startServerProcess, type ServerProcess } from "../testing/server-process.ts";

/**
 * The scaled mode on loopback: two Recall processes and a job worker sharing PostgreSQL
 * and Redis (event logs, limits, cache and the job queue), behind Debian's nginx running the
 * shipped site (deploy/nginx/recall.conf), the fake Ollama as the model. nginx's read timeout is cut to 2 s so that a quiet stream meets it in a test.
 */
const metricsToken = "nginx-test-metrics-token-of-at-least-32-chars";
const readTimeoutSeconds = 2;
const template = readFileSync(nginxSitePath, "utf8");

let fake: FakeOllama;
let database: TestDatabase;
let redis: RedisProcess;
let instances: ServerProcess[] = [];
let worker: ChildProcess | null = null;
let nginx: NginxProcess;
let client: RecallClient;

function instanceEnvironment(extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: database.url,
    OLLAMA_URL: fake.url,
    RECALL_DATA_DIR: mkdtempSync(join(tmpdir(), "recall-nginx-instance-")),
    // Shared by every instance: a token signed by one is read by the other.
    RECALL_SECRET: "nginx-test-secret-shared-by-all-instances",
    RECALL_METRICS_TOKEN: metricsToken,
    // nginx (127.0.0.1) is the proxy whose X-Forwarded-For is believed; every socket is its.
    RECALL_TRUST_PROXY: "127.0.0.1",
    RECALL_LIMIT_CONNECTIONS_PER_ADDRESS: "0",
    RECALL_LIMIT_USERS_PER_ADDRESS_PER_HOUR: "6",
    // A quiet stream is pinged within 2 x 0.5 s, well inside nginx's 2 s.
    RECALL_SSE_KEEPALIVE_SECONDS: "0.5",
    // The scaled mode's shared parts.
    REDIS_URL: redis.url,
    RECALL_EVENT_LOG: "redis",
    RECALL_JOBS: "queue",
    ...extra,
  };
}

/** `pnpm start:worker`'s entry point as its own process; resolves once it runs jobs. */
async function startWorker(environment: Record<string, string>): Promise<ChildProcess> {
  const directory = new URL("../..", import.meta.url).pathname;
  const child = spawn(process.execPath, ["--import", "tsx", "src/worker.ts"], {
    cwd: directory,
    env: { ...process.env, ...environment, HOST: "127.0.0.1", LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the worker did not start within 30 s")), 30_000);
    child.once("exit", (code) => reject(new Error(`the worker exited during start-up with ${code}`)));
    createInterface({ input: child.stdout! }).on("line", (line) => {
      if (line.includes('"Recall worker is running"')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return child;
}

/** Requests an instance served for one route, from its own /metrics. */
async function servedBy(instance: ServerProcess, route: string): Promise<number> {
  const response = await fetch(`${instance.url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } });
  const text = await response.text();
  let total = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("recall_http_request_duration_seconds_count{") && line.includes(`route="${route}"`)) total += Number(line.split(" ").at(-1));
  }
  return total;
}

/** A raw request from a chosen loopback address (the client's address as nginx sees it). */
function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer | string; localAddress?: string },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method: options.method ?? "GET", headers: options.headers, localAddress: options.localAddress }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
    });
    outgoing.on("error", reject);
    outgoing.end(options.body);
  });
}

beforeAll(async () => {
  fake = await startFakeOllama({ tokensPerSecond: 0 });
  // A throwaway schema on the machine's PostgreSQL, migrated by the project's runner before
  // either instance starts; a private Redis.
  database = await createTestDatabase({ provider: "postgresql" });
  redis = await startRedisProcess();
  instances = await Promise.all([startServerProcess(instanceEnvironment()), startServerProcess(instanceEnvironment())]);
  worker = await startWorker(instanceEnvironment());
  const upstreams = instances.map((instance) => new URL(instance.url).host);
  nginx = await startNginx((port) => renderNginxSite(template, { upstreams, port, readTimeout: `${readTimeoutSeconds}s` }), {
    // Streams must be unbuffered by the site's own settings even if the server's
    // "X-Accel-Buffering: no" were lost on the way.
    httpDirectives: ["proxy_ignore_headers X-Accel-Buffering;"],
  });
  const { accessToken } = await createClient(nginx.url, null).auth.token.mutate();
  client = createClient(nginx.url, accessToken, { batch: false });
}, 90_000);

afterAll(async () => {
  await nginx?.stop();
  await Promise.all(instances.map((instance) => instance.stop()));
  if (worker && worker.exitCode === null) {
    const exited = new Promise((resolve) => worker!.once("exit", resolve));
    worker.kill("SIGTERM");
    await exited;
  }
  await redis?.kill();
  await fake?.close();
  await database?.close();
});

describe("nginx in front of two instances", () => {
  it("spreads requests over both instances, round-robin", async () => {
    const before = await Promise.all(instances.map((instance) => servedBy(instance, "/trpc/session.list")));
    for (let call = 0; call < 20; call += 1) await client.session.list.query({});
    const after = await Promise.all(instances.map((instance) => servedBy(instance, "/trpc/session.list")));
    const served = after.map((count, index) => count - before[index]!);
    expect(served.reduce((sum, count) => sum + count, 0)).toBe(20);
    // One nginx worker alternates exactly; allow a little for retries.
    for (const count of served) expect(count).toBeGreaterThanOrEqual(8);
  });

  it("serves a chat made through nginx from either instance", async () => {
    const { accessToken } = await createClient(nginx.url, null).auth.token.mutate();
    const owner = createClient(nginx.url, accessToken, { batch: false });
    const chat = await owner.session.create.mutate({ title: "Made through nginx" });
    for (const instance of instances) {
      // The same identity, asking each instance directly.
      const direct = createClient(instance.url, accessToken);
      expect((await direct.session.list.query({})).items.map((item) => [item.id, item.title])).toEqual([[chat.id, "Made through nginx"]]);
    }
  });

  it("streams a reply token by token, unbuffered", async () => {
    const chat = await client.session.create.mutate({});
    const tokens = Array.from({ length: 30 }, (_, index) => ` w${index}`);
    fake.queueScript({ tokens, tokensPerSecond: 20 });
    const { assistantMessage } = await client.message.send.mutate({ sessionId: chat.id, content: "Count slowly." });
    const arrivals: number[] = [];
    let text = "";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("the stream did not finish")), 15_000);
      const subscription = client.message.stream.subscribe(
        { messageId: assistantMessage.id },
        {
          onData({ data: event }) {
            if (event.type === "delta") {
              arrivals.push(performance.now());
              text += event.text;
            }
            if (event.type === "snapshot") text = event.content;
            if (event.type === "done" || event.type === "error" || (event.type === "snapshot" && event.status !== "streaming")) {
              clearTimeout(timer);
              subscription.unsubscribe();
              resolve();
            }
          },
          onError: reject,
        },
      );
    });
    expect(text).toBe(tokens.join(""));
    // 30 tokens at 20/s take 1.5 s: buffered, they would land together at the end.
    expect(arrivals.length).toBeGreaterThanOrEqual(10);
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThan(1000);
  });

  it("keeps a stream open through a quiet spell longer than nginx's read timeout", async () => {
    const chat = await client.session.create.mutate({});
    // 5 s before the first token: a reply waiting for the model.
    fake.queueScript({ text: "Worth the wait.", firstTokenLatencyMs: (readTimeoutSeconds + 3) * 1000 });
    const { assistantMessage } = await client.message.send.mutate({ sessionId: chat.id, content: "Take your time." });
    const collected = await collectStream(client, assistantMessage.id, { timeoutMs: 20_000 });
    expect(collected.text).toBe("Worth the wait.");
    // One request carried the whole stream: nginx never cut it and the client never reconnected.
    const streamRequests = nginx.accessLog().filter((line) => line.startsWith("/trpc/message.stream") && line.includes(assistantMessage.id));
    expect(streamRequests).toHaveLength(1);
    expect(nginx.errorLog()).not.toContain("upstream timed out");
  });

  it("takes an upload within the limit and refuses one past it with the server's typed error", async () => {
    const chat = await client.session.create.mutate({});
    const small = new FormData();
    small.append("file", new File([`# Notes\n\n${"Valves open at dawn. ".repeat(5000)}`], "notes.md"));
    small.append("sessionId", chat.id);
    const document = await client.document.upload.mutate(small);
    // Ingested by the worker (RECALL_JOBS=queue), read back through nginx from either instance.
    const ingested = await waitFor(async () => {
      const current = await client.document.get.query({ documentId: document.id });
      return current.state === "processing" ? null : current;
    }, 20_000);
    expect(ingested.state).toBe("ready");

    // Just past the server's 20 MB: refused by nginx in the server's words, before any instance reads it.
    const large = new FormData();
    large.append("file", new File([Buffer.alloc(20 * 1024 * 1024 + 65 * 1024, "a")], "large.md"));
    large.append("sessionId", chat.id);
    const refused = await client.document.upload.mutate(large).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(TRPCClientError);
    expect((refused as TRPCClientError<never>).data).toMatchObject({ code: "PAYLOAD_TOO_LARGE", httpStatus: 413, path: "document.upload" });
    expect((refused as TRPCClientError<never>).message).toBe("Files are at most 20 MB.");
  });

  it("refuses a JSON body past the server's limit as the server would", async () => {
    const body = JSON.stringify({ content: "a".repeat(1024 * 1024) });
    const response = await rawRequest(`${nginx.url}/trpc/session.create`, {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) },
      body,
    });
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body)).toEqual({ error: `Request bodies are at most ${loadConfig({}).limits.bodyBytes.toLocaleString("en")} bytes.` });
  });

  it("limits by the client's address as nginx saw it, whatever X-Forwarded-For the client sends", async () => {
    const newIdentity = (localAddress: string, forged?: string) =>
      rawRequest(`${nginx.url}/trpc/auth.token`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(forged ? { "x-forwarded-for": forged } : {}) },
        body: "{}",
        localAddress,
      });
    // 6 new users per address per hour, counted in Redis across both instances.
    for (let user = 0; user < 6; user += 1) expect((await newIdentity("127.0.0.2", `10.0.0.${user}`)).status).toBe(200);
    const seventh = await newIdentity("127.0.0.2", "10.0.0.99");
    expect(seventh.status).toBe(429);
    // Another address has its own count: the instances see the client, not nginx.
    expect((await newIdentity("127.0.0.3")).status).toBe(200);
  });

  it("ships body limits equal to the server's defaults", () => {
    const defaults = loadConfig({});
    expect(template).toContain(`client_max_body_size ${defaults.limits.bodyBytes / 1024 / 1024}m;`);
    expect(template).toContain(`client_max_body_size ${(defaults.documents.maxBytes + 64 * 1024) / 1024}k;`);
    expect(template).toContain(`"Files are at most ${defaults.documents.maxBytes / 1024 / 1024} MB."`);
    // A quiet stream is pinged well within the stream's read timeout.
    const streamTimeout = /location \/trpc\/message\.stream \{[^}]*proxy_read_timeout (\d+)s;/.exec(template);
    expect(Number(streamTimeout?.[1]) * 1000).toBeGreaterThan(2 * defaults.sseKeepAliveMs);
  });
});

describe("a quiet stream without the server's keep-alive (the control)", () => {
  it("is cut by nginx at its read timeout", async () => {
    const plain = await startServerProcess(instanceEnvironment({ RECALL_SSE_KEEPALIVE_SECONDS: "0" }));
    const control = await startNginx((port) => renderNginxSite(template, { upstreams: [new URL(plain.url).host], port, readTimeout: `${readTimeoutSeconds}s` }));
    try {
      const { accessToken } = await createClient(control.url, null).auth.token.mutate();
      const viaControl = createClient(control.url, accessToken, { batch: false });
      const chat = await viaControl.session.create.mutate({});
      fake.queueScript({ text: "Too late.", firstTokenLatencyMs: (readTimeoutSeconds + 3) * 1000 });
      const { assistantMessage } = await viaControl.message.send.mutate({ sessionId: chat.id, content: "Take your time." });
      await collectStream(viaControl, assistantMessage.id, { timeoutMs: 20_000 });
      expect(control.errorLog()).toContain("upstream timed out");
      expect(control.accessLog().filter((line) => line.startsWith("/trpc/message.stream") && line.includes(assistantMessage.id)).length).toBeGreaterThan(1);
    } finally {
      await control.stop();
      await plain.stop();
    }
  });
});
