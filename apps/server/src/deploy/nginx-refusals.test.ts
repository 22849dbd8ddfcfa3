import { mkdtempSync, readFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startFakeOllama, type FakeOllama } from "@recall/fake-ollama";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nginxSitePath, renderNginxSite, startNginx, type NginxProcess } from "../testing/nginx-process.ts";
import { startServerProcess, type ServerProcess } from "../testing/server-process.ts";

/**
 * The shipped nginx site with its body limits set *above* the server's (as an operator who
 * raises one and forgets the other would): nginx lets an oversized body through, the server
 * refuses it from its headers, and nginx must pass the server's 413 on every time, never a 502
 * from a connection reset while it was still sending the body.
 */
const template = readFileSync(nginxSitePath, "utf8");
const mib = 1024 * 1024;
let fake: FakeOllama;
let server: ServerProcess;
let nginx: NginxProcess;

beforeAll(async () => {
  fake = await startFakeOllama({});
  server = await startServerProcess({
    RECALL_DATA_DIR: mkdtempSync(join(tmpdir(), "recall-nginx-refusals-")),
    OLLAMA_URL: fake.url,
    RECALL_SECRET: "nginx-refusals-test-secret-of-32-characters",
    RECALL_TRUST_PROXY: "127.0.0.1",
    RECALL_LIMIT_CONNECTIONS_PER_ADDRESS: "0",
    // 1 MB files against nginx's 8 MB below.
    RECALL_DOCUMENT_MAX_MB: "1",
  });
  const raised = (site: string): string => {
    const uploads = site.replace(/client_max_body_size 20544k;/, "client_max_body_size 8m;");
    const json = uploads.replace(/client_max_body_size 1m;/, "client_max_body_size 4m;");
    if (uploads === site || json === uploads) throw new Error("deploy/nginx/recall.conf no longer has the body limits this test raises");
    return json;
  };
  nginx = await startNginx((port) => raised(renderNginxSite(template, { upstreams: [new URL(server.url).host], port })));
}, 60_000);

afterAll(async () => {
  await nginx?.stop();
  await server?.stop();
  await fake?.close();
});

/** A POST through nginx whose body is written in 64 KiB pieces. */
function post(path: string, headers: Record<string, string>, bodyBytes: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(`${nginx.url}${path}`, { method: "POST", headers: { ...headers, "content-length": String(bodyBytes) } }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
    });
    outgoing.on("error", reject);
    const piece = Buffer.alloc(64 * 1024, "a");
    let written = 0;
    const pump = (): void => {
      while (written < bodyBytes) {
        const chunk = piece.subarray(0, Math.min(piece.length, bodyBytes - written));
        written += chunk.length;
        if (!outgoing.write(chunk)) return void outgoing.once("drain", pump);
      }
      outgoing.end();
    };
    pump();
  });
}

describe("nginx in front, its body limits above the server's", () => {
  it("passes the server's 413 on for every oversized upload and JSON body, never a 502", async () => {
    const outcomes: Array<{ status: number; body: string }> = [];
    for (let round = 0; round < 8; round += 1) {
      outcomes.push(await post("/trpc/document.upload", { "content-type": "multipart/form-data; boundary=x" }, Math.floor(1.6 * mib)));
      outcomes.push(await post("/trpc/session.create", { "content-type": "application/json" }, Math.floor(1.5 * mib)));
    }
    expect(outcomes.map((outcome) => outcome.status)).toEqual(outcomes.map(() => 413));
    // The server's words (nginx's own page would say 20 MB): the server answered each one.
    for (const [index, outcome] of outcomes.entries()) {
      if (index % 2 === 0) expect(JSON.parse(outcome.body)).toMatchObject({ error: { message: "Files are at most 1 MB.", data: { code: "PAYLOAD_TOO_LARGE" } } });
      else expect(JSON.parse(outcome.body)).toEqual({ error: "Request bodies are at most 1,048,576 bytes." });
    }
    expect(nginx.errorLog()).not.toMatch(/reset by peer|prematurely closed/);
  }, 60_000);
});
