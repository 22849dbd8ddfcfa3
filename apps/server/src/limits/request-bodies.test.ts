import { readFileSync, mkdtempSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startFakeOllama, type FakeOllama } from "@recall/fake-ollama";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServerProcess, type ServerProcess } from "../testing/server-process.ts";

const mib = 1024 * 1024;
const requestTimeoutSeconds = 2;
let fake: FakeOllama;
let server: ServerProcess;
let port: number;

function residentBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(match?.[1] ?? 0) * 1024;
}

beforeAll(async () => {
  fake = await startFakeOllama({});
  server = await startServerProcess({
    RECALL_DATA_DIR: mkdtempSync(join(tmpdir(), "recall-bodies-")),
    OLLAMA_URL: fake.url,
    RECALL_SECRET: "test-secret-that-is-at-least-32-characters",
    RECALL_LIMIT_REQUEST_TIMEOUT_SECONDS: String(requestTimeoutSeconds),
    RECALL_LIMIT_HEADERS_TIMEOUT_SECONDS: String(requestTimeoutSeconds),
    RECALL_LIMIT_CONNECTIONS_PER_ADDRESS: "0",
  });
  port = Number(new URL(server.url).port);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await fake?.close();
});

interface RawOutcome {
  /** The response's status, or null when the server closed without one. */
  status: number | null;
  /** How many body bytes were written before the server answered or closed. */
  written: number;
  /** From the last byte written to the close of the connection. */
  closedAfterMs: number;
}

/**
 * A POST over a raw socket: the headers, then up to `bodyBytes` of body in 64 KiB chunks,
 * stopping as soon as the server answers or closes, or after `stallAfter` bytes (then it
 * waits, sending nothing more, until the server closes the connection).
 */
function rawPost(
  headers: Record<string, string>,
  bodyBytes: number,
  options: { stallAfter?: number; path?: string; /** Keep writing whatever the server answers. */ flood?: boolean } = {},
): Promise<RawOutcome> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, "127.0.0.1");
    let response = "";
    let written = 0;
    let lastWriteAt = performance.now();
    let answered = false;
    const chunk = Buffer.alloc(64 * 1024, "a");
    const guard = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection open; got ${JSON.stringify(response.slice(0, 80))}`));
    }, 30_000);
    socket.on("data", (data) => {
      response += data.toString("latin1");
      answered = true;
    });
    const finish = (): void => {
      clearTimeout(guard);
      const match = /^HTTP\/1\.1 (\d{3})/.exec(response);
      resolve({ status: match ? Number(match[1]) : null, written, closedAfterMs: performance.now() - lastWriteAt });
    };
    socket.on("close", finish);
    socket.on("error", () => {});
    const pump = (): void => {
      while ((options.flood || !answered) && !socket.destroyed && written < bodyBytes) {
        const until = Math.min(bodyBytes, options.stallAfter ?? bodyBytes);
        if (written >= until) return;
        const piece = chunk.subarray(0, Math.min(chunk.length, until - written));
        written += piece.length;
        lastWriteAt = performance.now();
        const flushed = socket.write(piece);
        // After the first chunk, give the server a moment to answer from the headers: a reply
        // sent while we keep writing can be lost to the reset of the connection it closes.
        if (written === piece.length && options.stallAfter === undefined && !options.flood) {
          setTimeout(pump, 300);
          return;
        }
        if (!flushed) {
          socket.once("drain", pump);
          return;
        }
      }
      if (written >= bodyBytes && headers["transfer-encoding"] === undefined) socket.end();
    };
    socket.on("connect", () => {
      const head = [`POST ${options.path ?? "/trpc/session.create"} HTTP/1.1`, `Host: 127.0.0.1:${port}`, ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`), "", ""].join("\r\n");
      socket.write(head);
      lastWriteAt = performance.now();
      pump();
    });
  });
}

/** A raw chunked body: each write is one chunk frame. */
function chunkedJson(bodyBytes: number): Promise<RawOutcome> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let response = "";
    let written = 0;
    const frame = Buffer.concat([Buffer.from(`10000\r\n`), Buffer.alloc(0x10000, " "), Buffer.from("\r\n")]);
    const guard = setTimeout(() => reject(new Error("kept open")), 30_000);
    socket.on("data", (data) => {
      response += data.toString("latin1");
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(guard);
      const match = /^HTTP\/1\.1 (\d{3})/.exec(response);
      resolve({ status: match ? Number(match[1]) : null, written, closedAfterMs: 0 });
    });
    const pump = (): void => {
      while (response === "" && !socket.destroyed && written < bodyBytes) {
        written += 0x10000;
        if (!socket.write(frame)) return void socket.once("drain", pump);
      }
      if (response !== "" || written >= bodyBytes) socket.end();
    };
    socket.on("connect", () => {
      socket.write(`POST /trpc/session.create HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`);
      pump();
    });
  });
}

describe("request bodies (the server in its own process)", () => {
  it("refuses 50 MiB bodies of every content type from their headers, without taking them in", async () => {
    const before = residentBytes(server.child.pid!);
    const size = 50 * mib;
    const refused = {
      multipart: await rawPost({ "Content-Type": "multipart/form-data; boundary=x", "Content-Length": String(size) }, size),
      urlencoded: await rawPost({ "Content-Type": "application/x-www-form-urlencoded", "Content-Length": String(size) }, size),
      octetStream: await rawPost({ "Content-Type": "application/octet-stream", "Content-Length": String(size) }, size),
      textPlain: await rawPost({ "Content-Type": "text/plain", "Content-Length": String(size) }, size),
      noType: await rawPost({ "Content-Length": String(size) }, size),
      json: await rawPost({ "Content-Type": "application/json", "Content-Length": String(size) }, size),
    };
    const chunked = await chunkedJson(size);
    expect({
      multipart: refused.multipart.status,
      urlencoded: refused.urlencoded.status,
      octetStream: refused.octetStream.status,
      textPlain: refused.textPlain.status,
      noType: refused.noType.status,
      json: refused.json.status,
    }).toEqual({ multipart: 415, urlencoded: 415, octetStream: 415, textPlain: 415, noType: 415, json: 413 });
    // Answered from the headers: far less than the body was ever sent.
    for (const outcome of Object.values(refused)) expect(outcome.written).toBeLessThan(size);
    // A chunked body has no length to refuse from: the JSON parser stops it at the limit with a
    // 413 and closes the connection. A client still writing at that moment may get the reset
    // before it reads the 413 (the kernel drops unread data on a reset; CI saw it once in a
    // few dozen runs), so either ends it: what matters is that the server stopped reading.
    expect([413, null]).toContain(chunked.status);
    expect(chunked.written).toBeLessThan(size);
    const grown = residentBytes(server.child.pid!) - before;
    expect(grown).toBeLessThan(40 * mib);
  });

  it("takes multipart on document.upload alone: refused there past the file limit or without a declared length, from the headers", async () => {
    const before = residentBytes(server.child.pid!);
    const size = 50 * mib;
    const path = "/trpc/document.upload";
    const tooLarge = await rawPost({ "Content-Type": "multipart/form-data; boundary=x", "Content-Length": String(size) }, size, { path });
    const notMultipart = await rawPost({ "Content-Type": "application/octet-stream", "Content-Length": String(size) }, size, { path });
    // Only the head of a chunked upload: the refusal comes from the headers before any chunk.
    const chunkedUpload = await rawPost({ "Content-Type": "multipart/form-data; boundary=x", "Transfer-Encoding": "chunked" }, 0, { path });
    expect({ tooLarge: tooLarge.status, notMultipart: notMultipart.status, chunkedUpload: chunkedUpload.status }).toEqual({ tooLarge: 413, notMultipart: 415, chunkedUpload: 411 });
    for (const outcome of [tooLarge, notMultipart]) expect(outcome.written).toBeLessThan(size);
    expect(residentBytes(server.child.pid!) - before).toBeLessThan(40 * mib);
  });

  it("a client that goes on sending after the refusal is cut off, and the server's memory stays flat", async () => {
    const before = residentBytes(server.child.pid!);
    const size = 50 * mib;
    const flooded = await Promise.all([
      rawPost({ "Content-Type": "multipart/form-data; boundary=x", "Content-Length": String(size) }, size, { flood: true }),
      rawPost({ "Content-Type": "application/octet-stream", "Content-Length": String(size) }, size, { flood: true }),
      rawPost({ "Content-Type": "application/json", "Content-Length": String(size) }, size, { flood: true }),
    ]);
    for (const outcome of flooded) expect(outcome.written).toBeLessThan(size);
    expect(residentBytes(server.child.pid!) - before).toBeLessThan(40 * mib);
  });

  it("closes a body that stalls halfway within the request timeout, for many at once", async () => {
    const before = residentBytes(server.child.pid!);
    const stalled = await Promise.all(
      Array.from({ length: 200 }, () => rawPost({ "Content-Type": "application/json", "Content-Length": String(64 * 1024) }, 64 * 1024, { stallAfter: 32 * 1024 })),
    );
    for (const outcome of stalled) {
      // Node checks the timeout every quarter of it: closed within 1.25× the timeout, plus scheduling slack.
      expect(outcome.closedAfterMs).toBeLessThan(requestTimeoutSeconds * 1000 * 1.25 + 1500);
      expect(outcome.status === null || outcome.status === 408).toBe(true);
    }
    expect(residentBytes(server.child.pid!) - before).toBeLessThan(40 * mib);
  });

  it("closes a request whose head never ends", async () => {
    const outcome = await new Promise<number>((resolve) => {
      const socket = connect(port, "127.0.0.1", () => socket.write(`POST /trpc/session.create HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Slow: `));
      const startedAt = performance.now();
      socket.on("error", () => {});
      // Read the 408: a paused socket never sees the server's end.
      socket.resume();
      socket.on("close", () => resolve(performance.now() - startedAt));
    });
    expect(outcome).toBeLessThan(requestTimeoutSeconds * 1000 * 1.25 + 1500);
  });

  it("still serves a JSON call after all that", async () => {
    const response = await fetch(`${server.url}/trpc/auth.ensure`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(response.status).toBeLessThan(500);
  });
});
