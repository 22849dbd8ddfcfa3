import type { Clock } from "@recall/memory";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../testing/harness.ts";
import { refreshGraceMs } from "./auth-service.ts";

let now = Date.now();
const clock: Clock = { now: () => new Date(now) };
let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ recall: { clock } });
});
afterAll(async () => {
  await harness?.close();
});
beforeEach(() => {
  now = Date.now();
});

/** As the web app sends it: same-origin, cookies only. */
function call(path: string, cookie = "", init: { method?: string; headers?: Record<string, string> } = {}): Promise<Response> {
  const method = init.method ?? "POST";
  return fetch(`${harness.url}/trpc/${path}`, {
    method,
    headers: { "sec-fetch-site": "same-origin", ...(method === "POST" ? { "content-type": "application/json" } : {}), ...(cookie ? { cookie } : {}), ...init.headers },
    ...(method === "POST" ? { body: "{}" } : {}),
  });
}

/** name → the Set-Cookie line of each cookie the response set. */
function setCookies(response: Response): Map<string, string> {
  return new Map(response.headers.getSetCookie().map((line) => [line.slice(0, line.indexOf("=")), line]));
}

function jar(response: Response, previous = new Map<string, string>()): Map<string, string> {
  const next = new Map(previous);
  for (const [name, line] of setCookies(response)) {
    const value = line.slice(name.length + 1, line.indexOf(";"));
    if (value === "") next.delete(name);
    else next.set(name, value);
  }
  return next;
}

const header = (cookies: Map<string, string>): string => [...cookies].map(([name, value]) => `${name}=${value}`).join("; ");

async function userIdOf(response: Response): Promise<string> {
  return ((await response.json()) as { result: { data: { userId: string } } }).result.data.userId;
}

describe("browser sessions in cookies", () => {
  it("sets an access and a refresh cookie, HttpOnly, SameSite=Lax, on /trpc only, not Secure over plain http", async () => {
    const cookies = setCookies(await call("auth.ensure"));
    expect(cookies.get("recall_access")).toMatch(/^recall_access=[\w-]+\.[\w-]+\.[\w-]+; Max-Age=900; Path=\/trpc; HttpOnly; SameSite=Lax$/);
    expect(cookies.get("recall_refresh")).toMatch(/^recall_refresh=rt1_[\w-]{43}; Max-Age=604800; Path=\/trpc; HttpOnly; SameSite=Lax$/);
  });

  it("identifies the browser by its cookies, and a program by its bearer token alone", async () => {
    const first = await call("auth.ensure");
    const cookies = jar(first);
    const userId = await userIdOf(first);
    expect(await userIdOf(await call("auth.ensure", `theme=dark; ${header(cookies)}`))).toBe(userId);
    const other = await harness.newUser();
    expect(await userIdOf(await call("auth.me", header(cookies), { method: "GET", headers: { authorization: `Bearer ${other.token}` } }))).toBe(other.userId);
  });

  it("rotates an expired access token by the refresh cookie, transparently, and parallel requests share the rotation", async () => {
    const first = await call("auth.ensure");
    const cookies = jar(first);
    const userId = await userIdOf(first);
    now += 16 * 60_000;
    // A page's parallel requests all carry the same expired access token and refresh token.
    const responses = await Promise.all([1, 2, 3].map(() => call("auth.me", header(cookies), { method: "GET" })));
    for (const response of responses) expect(await userIdOf(response)).toBe(userId);
    const rotations = responses.filter((response) => setCookies(response).has("recall_refresh"));
    expect(rotations).toHaveLength(1);
    const rotated = jar(rotations[0]!, cookies);
    expect(rotated.get("recall_refresh")).not.toBe(cookies.get("recall_refresh"));
    expect(await userIdOf(await call("auth.me", header(rotated), { method: "GET" }))).toBe(userId);

    // The spent refresh token, after the grace window, is reuse: the whole session ends.
    now += refreshGraceMs + 1000;
    const reused = await call("auth.me", `recall_refresh=${cookies.get("recall_refresh")}`, { method: "GET" });
    expect(reused.status).toBe(401);
    expect(setCookies(reused).get("recall_refresh")).toMatch(/^recall_refresh=; Max-Age=0/);
    expect((await call("auth.me", header(rotated), { method: "GET" })).status).toBe(401);
  });

  it("rotates on a stream's request too, with the cookies on the event stream's response", async () => {
    const cookies = jar(await call("auth.ensure"));
    const created = await call("session.create", header(cookies));
    const sessionId = ((await created.json()) as { result: { data: { id: string } } }).result.data.id;
    const sent = await fetch(`${harness.url}/trpc/message.send`, {
      method: "POST",
      headers: { cookie: header(cookies), "sec-fetch-site": "same-origin", "content-type": "application/json" },
      body: JSON.stringify({ sessionId, content: "Hello" }),
    });
    const messageId = ((await sent.json()) as { result: { data: { assistantMessage: { id: string } } } }).result.data.assistantMessage.id;
    now += 16 * 60_000;
    const abort = new AbortController();
    const stream = await fetch(`${harness.url}/trpc/message.stream?input=${encodeURIComponent(JSON.stringify({ messageId }))}`, {
      headers: { cookie: header(cookies), accept: "text/event-stream" },
      signal: abort.signal,
    });
    expect(stream.headers.get("content-type")).toMatch(/text\/event-stream/);
    expect(setCookies(stream).get("recall_refresh")).toMatch(/^recall_refresh=rt1_/);
    abort.abort();
  });

  it("treats cookies that are not valid tokens as no identity", async () => {
    for (const cookie of ["recall_access=%E0%A4%A", "recall_access=", "recall_access=a.b.c", "recall_refresh=rt1_forged", "recall_identity=someone.forged"]) {
      const response = await fetch(`${harness.url}/trpc/session.list`, { headers: { cookie } });
      expect(response.status).toBe(401);
    }
  });
});

describe("Secure cookies", () => {
  it("are Secure behind a trusted proxy that says https, and not when an untrusted client says so", async () => {
    const proxied = await startHarness({ config: { trustProxy: ["127.0.0.1"] } });
    const untrusted = await startHarness({ config: { trustProxy: ["10.9.9.9"] } });
    try {
      const ensure = (target: Harness) =>
        fetch(`${target.url}/trpc/auth.ensure`, { method: "POST", headers: { "content-type": "application/json", "x-forwarded-proto": "https" }, body: "{}" });
      for (const line of setCookies(await ensure(proxied)).values()) expect(line).toMatch(/; Secure/);
      for (const line of setCookies(await ensure(untrusted)).values()) expect(line).not.toMatch(/Secure/);
    } finally {
      await proxied.close();
      await untrusted.close();
    }
  });
});
