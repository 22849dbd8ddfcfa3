import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../testing/harness.ts";
import { crossSiteProblem, isAllowedHost } from "./request-guard.ts";

let harness: Harness;
let cookie: string;
beforeAll(async () => {
  harness = await startHarness();
  const response = await fetch(`${harness.url}/trpc/auth.ensure`, { method: "POST", headers: { "sec-fetch-site": "same-origin", "content-type": "application/json" }, body: "{}" });
  cookie = response.headers.getSetCookie().map((line) => line.split(";")[0]).join("; ");
});
afterAll(async () => {
  await harness?.close();
});

/** Raw HTTP, so the Host header is ours to choose (fetch sets it from the URL). */
function send(path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: string }> {
  const url = new URL(path, harness.url);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ host: url.hostname, port: url.port, path: url.pathname + url.search, method: options.method ?? "GET", headers: options.headers }, (incoming) => {
      let body = "";
      incoming.on("data", (chunk: Buffer) => (body += chunk.toString()));
      incoming.on("end", () => resolve({ status: incoming.statusCode ?? 0, body }));
    });
    outgoing.on("error", reject);
    outgoing.end(options.body);
  });
}

async function chatCount(): Promise<number> {
  const response = await send("/trpc/session.list", { headers: { cookie } });
  return (JSON.parse(response.body) as { result: { data: { items: unknown[] } } }).result.data.items.length;
}

const createChat = (headers: Record<string, string>, body = "{}") => send("/trpc/session.create", { method: "POST", headers: { cookie, ...headers }, body });

describe("same-origin state changes", () => {
  it("refuses cross-site posts carrying the browser's cookies, in every content type", async () => {
    const boundary = "----recall";
    const attacks: Array<Record<string, string> & { body?: string }> = [
      { "content-type": `multipart/form-data; boundary=${boundary}`, origin: "https://evil.example", body: `--${boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nx\r\n--${boundary}--\r\n` },
      { "content-type": "application/x-www-form-urlencoded", origin: "https://evil.example", body: "title=x" },
      { "content-type": "text/plain", origin: "null", body: "{}" },
      { "content-type": "application/json", origin: "https://evil.example" },
      { "content-type": "application/json", origin: harness.url.replace("127.0.0.1", "localhost") },
      { "content-type": "application/json", "sec-fetch-site": "cross-site", origin: harness.url },
      { "content-type": "application/json", "sec-fetch-site": "same-site" },
      // Cookies and nothing to say where the request comes from: not enough.
      { "content-type": "application/json" },
    ];
    for (const { body, ...headers } of attacks) {
      const response = await createChat(headers, body);
      // A form's content type may meet the body limits' 415 first (JSON only); JSON meets this guard.
      const expected = headers["content-type"] === "application/json" ? [403] : [403, 415];
      expect(expected, JSON.stringify(headers)).toContain(response.status);
      // The guard refuses them on its own too, before any body is read.
      expect(crossSiteProblem({ headers: { cookie, ...headers }, protocol: "http", host: new URL(harness.url).host })).toMatch(/refused/);
    }
    expect(await chatCount()).toBe(0);
  });

  it("accepts its own pages (Origin or Sec-Fetch-Site), and programs with a bearer token and no Origin", async () => {
    expect((await createChat({ "content-type": "application/json", origin: harness.url })).status).toBe(200);
    expect((await createChat({ "content-type": "application/json", "sec-fetch-site": "same-origin" })).status).toBe(200);
    expect((await createChat({ "content-type": "application/json", "sec-fetch-site": "none" })).status).toBe(200);
    expect(await chatCount()).toBe(3);
    const { token } = await harness.newUser();
    const program = await send("/trpc/session.create", { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: "{}" });
    expect(program.status).toBe(200);
  });
});

describe("the Host allowlist", () => {
  it("refuses a host name it was not told to serve (DNS rebinding), on pages and procedures alike", async () => {
    const port = new URL(harness.url).port;
    for (const host of [`evil.example:${port}`, `127.0.0.1.evil.example:${port}`, "evil.example"]) {
      for (const path of ["/", "/trpc/health", "/trpc/session.list"]) {
        const response = await send(path, { headers: { host, cookie } });
        expect(response.status).toBe(421);
        expect(response.body).toMatch(/RECALL_ALLOWED_HOSTS/);
      }
      expect((await createChat({ host, "content-type": "application/json", "sec-fetch-site": "same-origin" })).status).toBe(421);
    }
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, "LOCALHOST"]) expect((await send("/trpc/health", { headers: { host } })).status).toBe(200);
    // Probes address the instance by IP and learn nothing a page could use.
    expect((await send("/livez", { headers: { host: "10.1.2.3:3000" } })).status).toBe(200);
    expect((await send("/metrics", { headers: { host: "10.1.2.3:3000" } })).status).toBe(404);
  });

  it("serves the operator's hosts when RECALL_ALLOWED_HOSTS names them (a name alone allows any port)", async () => {
    const custom = await startHarness({ config: { allowedHosts: ["chat.example.com", "intranet:8443"] } });
    try {
      const port = new URL(custom.url).port;
      const probe = (host: string) =>
        new Promise<number>((resolve, reject) => {
          const outgoing = httpRequest({ host: "127.0.0.1", port, path: "/trpc/health", headers: { host } }, (incoming) => {
            incoming.resume();
            resolve(incoming.statusCode ?? 0);
          });
          outgoing.on("error", reject);
          outgoing.end();
        });
      expect(await probe("chat.example.com")).toBe(200);
      expect(await probe("chat.example.com:443")).toBe(200);
      expect(await probe("intranet:8443")).toBe(200);
      expect(await probe("intranet:80")).toBe(421);
      expect(await probe(`127.0.0.1:${port}`)).toBe(421);
    } finally {
      await custom.close();
    }
  });

  it("matches names and ports exactly", () => {
    expect(isAllowedHost("[::1]:3000", ["[::1]"])).toBe(true);
    expect(isAllowedHost("[::1]", ["[::1]:3000"])).toBe(false);
    expect(isAllowedHost(undefined, ["localhost"])).toBe(false);
    expect(isAllowedHost("localhost.", ["localhost"])).toBe(false);
  });
});
