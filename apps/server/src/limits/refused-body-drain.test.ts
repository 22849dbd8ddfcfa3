import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../env.ts";
import { startHarness, type Harness } from "../testing/harness.ts";
import { refusedBodyDrainFactor } from "./http-limits.ts";
import { relaxedLimitSettings } from "./limit-settings.ts";

/**
 * A body refused from its headers (413, 415) while the client is still sending it: within twice
 * its limit the server answers and then reads the rest and drops it, so the client (a proxy such
 * as nginx, still writing) always reads the refusal instead of a reset, and the connection stays
 * usable; past that bound it closes at once and reads little. Over real HTTP with raw sockets,
 * counting what the server's own sockets read.
 */
const mib = 1024 * 1024;
const uploadBytes = 1 * mib;
const formOverheadBytes = 64 * 1024;
const uploadDrainBound = refusedBodyDrainFactor * (uploadBytes + formOverheadBytes);
const requestTimeoutMs = 2000;
let harness: Harness;
let port: number;
/** Bytes read by each server-side socket, by the client's local port. */
const serverSockets = new Map<number, Socket>();

beforeAll(async () => {
  harness = await startHarness({
    config: {
      documents: { ...loadConfig({}).documents, maxBytes: uploadBytes },
      limits: { ...relaxedLimitSettings, requestTimeoutMs, headersTimeoutMs: requestTimeoutMs },
    },
  });
  port = Number(new URL(harness.url).port);
  harness.recall.app.server.on("connection", (socket: Socket) => serverSockets.set(socket.remotePort ?? 0, socket));
}, 60_000);

afterAll(async () => {
  await harness?.close();
});

interface SlowPost {
  /** The first response's status line and body. */
  status: number | null;
  body: string;
  /** Body bytes the client managed to write. */
  written: number;
  /** The client saw a reset or a broken pipe. */
  reset: boolean;
  /** Whether a second request on the same connection was answered (the connection was kept and clean). */
  reusedStatus: number | null;
  /** What the server's socket read in all (headers and body). */
  serverRead: number;
  closedAfterMs: number;
}

/**
 * A POST that declares `declaredBytes` and sends them in 64 KiB pieces `pauseMs` apart, on
 * whatever the server answers, up to `sendBytes` (then it stalls); once everything is sent, a
 * GET /livez on the same connection.
 */
function slowPost(path: string, headers: Record<string, string>, declaredBytes: number, options: { pauseMs: number; sendBytes?: number }): Promise<SlowPost> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let response = "";
    let written = 0;
    let reset = false;
    let localPort = -1;
    const startedAt = performance.now();
    const guard = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the connection stayed open; got ${JSON.stringify(response.slice(0, 120))}`));
    }, 30_000);
    const sendBytes = Math.min(options.sendBytes ?? declaredBytes, declaredBytes);
    const piece = Buffer.alloc(64 * 1024, "a");
    const parse = () => {
      const responses = [...response.matchAll(/HTTP\/1\.1 (\d{3})[^]*?\r\n\r\n/g)];
      return responses.map((match) => Number(match[1]));
    };
    socket.on("data", (data) => {
      response += data.toString("latin1");
      if (parse().length >= 2) socket.end();
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ECONNRESET" || error.code === "EPIPE") reset = true;
    });
    socket.on("close", () => {
      clearTimeout(guard);
      const statuses = parse();
      const firstBody = /\r\n\r\n([^]*?)(HTTP\/1\.1|$)/.exec(response)?.[1] ?? "";
      const serverSocket = serverSockets.get(localPort);
      resolve({
        status: statuses[0] ?? null,
        body: firstBody,
        written,
        reset,
        reusedStatus: statuses[1] ?? null,
        serverRead: serverSocket?.bytesRead ?? -1,
        closedAfterMs: performance.now() - startedAt,
      });
    });
    const pump = (): void => {
      if (socket.destroyed) return;
      if (written >= sendBytes) {
        if (written >= declaredBytes) socket.write(`GET /livez HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
        return;
      }
      const chunk = piece.subarray(0, Math.min(piece.length, sendBytes - written));
      written += chunk.length;
      socket.write(chunk, () => setTimeout(pump, options.pauseMs));
    };
    socket.on("connect", () => {
      localPort = socket.localPort ?? -1;
      const head = [`POST ${path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, `Content-Length: ${declaredBytes}`, ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`), "", ""].join("\r\n");
      socket.write(head, () => pump());
    });
  });
}

const multipart = { "Content-Type": "multipart/form-data; boundary=x" };

describe("a body refused from its headers", () => {
  it("within twice the upload limit: a slow sender gets the 413, the server reads the whole body and drops it, and the connection goes on", async () => {
    const declared = Math.floor(1.5 * mib);
    const outcome = await slowPost("/trpc/document.upload", multipart, declared, { pauseMs: 15 });
    expect(outcome.status).toBe(413);
    expect(JSON.parse(outcome.body)).toMatchObject({ error: { message: "Files are at most 1 MB.", data: { code: "PAYLOAD_TOO_LARGE", httpStatus: 413 } } });
    expect(outcome.reset).toBe(false);
    expect(outcome.written).toBe(declared);
    // Everything sent was read (so the kernel had nothing to reset), and nothing past the declared body.
    expect(outcome.serverRead).toBeGreaterThanOrEqual(declared);
    expect(outcome.serverRead).toBeLessThan(declared + 4096);
    expect(outcome.reusedStatus).toBe(200);
  });

  it("within twice the JSON limit: the same for a JSON body and for a body that is not JSON", async () => {
    const bodyBytes = relaxedLimitSettings.bodyBytes;
    for (const contentType of ["application/json", "text/plain"]) {
      const declared = Math.floor(1.5 * bodyBytes);
      const outcome = await slowPost("/trpc/session.create", { "Content-Type": contentType }, declared, { pauseMs: 5 });
      expect(outcome.status).toBe(contentType === "text/plain" ? 415 : 413);
      expect(outcome.reset).toBe(false);
      expect(outcome.serverRead).toBeGreaterThanOrEqual(declared);
      expect(outcome.reusedStatus).toBe(200);
    }
  });

  it("past the bound: the connection is closed at once and the server reads at most the bound", async () => {
    const declared = 64 * mib;
    const outcome = await slowPost("/trpc/document.upload", multipart, declared, { pauseMs: 0 });
    // The 413 is sent first; a client still writing into a closed socket may get the reset before reading it.
    expect([413, null]).toContain(outcome.status);
    expect(outcome.written).toBeLessThan(declared);
    expect(outcome.serverRead).toBeGreaterThan(0);
    expect(outcome.serverRead).toBeLessThan(uploadDrainBound);
    expect(outcome.reusedStatus).toBeNull();
  });

  it("a sender that stalls during the drain is cut off by the request timeout, as any slow body", async () => {
    const declared = Math.floor(1.5 * mib);
    const outcome = await slowPost("/trpc/document.upload", multipart, declared, { pauseMs: 5, sendBytes: 256 * 1024 });
    expect(outcome.status).toBe(413);
    expect(outcome.written).toBe(256 * 1024);
    // Node's own answer to a request past its timeout, then the close.
    expect(outcome.reusedStatus).toBe(408);
    // Node checks the timeout every quarter of it.
    expect(outcome.closedAfterMs).toBeLessThan(requestTimeoutMs * 1.5 + 1000);
  });
});
