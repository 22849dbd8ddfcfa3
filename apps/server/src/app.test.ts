import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./env.ts";
import { startHarness, type Harness } from "./testing/harness.ts";

let harness: Harness;
beforeAll(async () => {
  const webDist = mkdtempSync(join(tmpdir(), "recall-web-"));
  mkdirSync(join(webDist, "assets"));
  writeFileSync(join(webDist, "index.html"), "<!doctype html><title>Recall</title><div id=root></div>");
  writeFileSync(join(webDist, "assets", "index-abc123.js"), "console.log('app')");
  harness = await startHarness({ config: { webDist, imageOrigins: ["https://images.example.com"] } });
});
afterAll(async () => {
  await harness?.close();
});

describe("one port for the app and the API", () => {
  it("serves the web app, its hashed assets cached for good, and app routes as the page", async () => {
    const page = await fetch(`${harness.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<title>Recall</title>");
    expect(page.headers.get("cache-control")).toBe("no-cache");

    const asset = await fetch(`${harness.url}/assets/index-abc123.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toMatch(/javascript/);
    expect(asset.headers.get("cache-control")).toContain("immutable");

    const deepLink = await fetch(`${harness.url}/chats/some-chat?x=1`);
    expect(deepLink.status).toBe(200);
    expect(await deepLink.text()).toContain("<title>Recall</title>");
  });

  it("answers a missing asset with 404, never with the page", async () => {
    const missing = await fetch(`${harness.url}/assets/index-old999.js`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toMatch(/json/);
  });

  it("gives a readable 4xx, not a 500, for a body that is too large or not JSON", async () => {
    const { token } = await harness.newUser();
    const huge = await fetch(`${harness.url}/trpc/session.create`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ title: "x".repeat(2 * 1024 * 1024) }),
    });
    expect(huge.status).toBe(413);
    const broken = await fetch(`${harness.url}/trpc/session.create`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: "{not json",
    });
    expect(broken.status).toBeGreaterThanOrEqual(400);
    expect(broken.status).toBeLessThan(500);
    expect((await harness.clientFor(token).health.query()).ok).toBe(true);
  });

  it("sends a Content-Security-Policy that allows only our own scripts and the configured image origins", async () => {
    for (const path of ["/", "/assets/index-abc123.js", "/trpc/health"]) {
      const response = await fetch(`${harness.url}${path}`);
      const policy = response.headers.get("content-security-policy") ?? "";
      expect(policy).toContain("script-src 'self'");
      expect(policy).toContain("img-src 'self' https://images.example.com");
      expect(policy).toContain("frame-ancestors 'none'");
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    }
    const settings = (await (await fetch(`${harness.url}/trpc/settings`)).json()) as { result: { data: unknown } };
    expect(settings.result.data).toEqual({ imageOrigins: ["https://images.example.com"], documentMaxBytes: harness.config.documents.maxBytes });
  });
});

describe("RECALL_IMAGE_ORIGINS", () => {
  it("takes a comma-separated list of origins and refuses anything else with a clear message", () => {
    expect(loadConfig({ RECALL_IMAGE_ORIGINS: " https://a.example , http://b.example:8080/ " }).imageOrigins).toEqual(["https://a.example", "http://b.example:8080"]);
    expect(loadConfig({}).imageOrigins).toEqual([]);
    for (const bad of ["https://a.example/path", "javascript:alert(1)", "a.example", "ftp://a.example"]) {
      expect(() => loadConfig({ RECALL_IMAGE_ORIGINS: bad })).toThrow(ConfigError);
    }
    expect(() => loadConfig({ RECALL_IMAGE_ORIGINS: "a.example" })).toThrow(/comma-separated list of origins/);
  });
});
