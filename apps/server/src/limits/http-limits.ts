import type { Server } from "node:http";
import type { Socket } from "node:net";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { LimitMetrics } from "./limits.ts";
import type { LimitSettings } from "./limit-settings.ts";

/**
 * Node's timeouts for *receiving* a request (headers, then the whole body): a response, an SSE
 * stream included, is not limited by them. Node checks them every `connectionsCheckingInterval`
 * (set here, read when the server starts listening), so a stalled body is closed within about a
 * quarter more. Then at most `connections` open sockets on this instance (Node's
 * `maxConnections` drops the rest at accept) and `connectionsPerAddress` from one socket
 * address; behind a proxy every socket comes from the proxy, so set the latter to 0 there.
 */
export function applyServerLimits(server: Server, settings: LimitSettings, metrics: LimitMetrics): void {
  server.requestTimeout = settings.requestTimeoutMs;
  server.headersTimeout = Math.min(settings.headersTimeoutMs, settings.requestTimeoutMs);
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.max(100, Math.min(5000, Math.floor(settings.requestTimeoutMs / 4)));
  if (settings.connections > 0) server.maxConnections = settings.connections;
  server.on("drop", () => metrics.limitRejected("slow_upload"));
  server.on("clientError", (error: { code?: string }) => {
    if (error.code === "ERR_HTTP_REQUEST_TIMEOUT") metrics.limitRejected("slow_upload");
  });
  const perAddress = settings.connectionsPerAddress;
  if (perAddress <= 0) return;
  const open = new Map<string, number>();
  server.on("connection", (socket: Socket) => {
    const address = socket.remoteAddress ?? "unknown";
    const count = (open.get(address) ?? 0) + 1;
    if (count > perAddress) {
      metrics.limitRejected("slow_upload");
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once("close", () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
  });
}

/** `application/json`, with or without parameters: the one body `/trpc` accepts. */
function isJson(contentType: string | undefined): boolean {
  return (contentType ?? "").split(";")[0]!.trim().toLowerCase() === "application/json";
}

function hasBody(request: FastifyRequest): boolean {
  const length = request.headers["content-length"];
  return request.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}

/**
 * How a refusal sent from the headers ends the connection. A body declared within `drainUpTo` is
 * read to its end and dropped (Node discards what no handler reads, and keeps the connection):
 * closing a socket with unread bytes resets it, and a proxy still sending the body (nginx) may
 * then answer 502 instead of passing the refusal on. A bigger body, or one without a declared
 * length, is not worth reading: the connection is closed, as an attacker must not make the
 * server take in gigabytes. Node's request timeout still bounds how long a drain may take.
 */
function endAfterRefusal(reply: FastifyReply, declaredBytes: number | null, drainUpTo: number): FastifyReply {
  return declaredBytes !== null && declaredBytes <= drainUpTo ? reply : reply.header("connection", "close");
}

/** The declared length, or null when there is none (chunked) or it is not a number. */
function declaredLength(request: FastifyRequest): number | null {
  const length = request.headers["content-length"];
  if (length === undefined || request.headers["transfer-encoding"] !== undefined) return null;
  const bytes = Number(length);
  return Number.isSafeInteger(bytes) && bytes >= 0 ? bytes : null;
}

/** A refused body is read and dropped up to this many times its limit (`endAfterRefusal`). */
export const refusedBodyDrainFactor = 2;

/** Refuses before the body is read: the rest of it is drained or the connection closed (`endAfterRefusal`). */
function refuse(request: FastifyRequest, reply: FastifyReply, status: 413 | 415 | 400, message: string, drainUpTo: number): FastifyReply {
  return endAfterRefusal(reply, declaredLength(request), drainUpTo).status(status).send({ error: message });
}

/** The one procedure that takes a body other than JSON: a file, as multipart form data. */
export const uploadPath = "/trpc/document.upload";

function isMultipart(contentType: string | undefined): boolean {
  return (contentType ?? "").split(";")[0]!.trim().toLowerCase() === "multipart/form-data";
}

/** Room for the form's boundaries, headers and the `sessionId` field around the file. */
const formOverheadBytes = 64 * 1024;

/**
 * An upload must declare its length (every browser does for a FormData body): tRPC reads a
 * multipart body whole with no limit of its own, and Node's parser stops a body at its
 * declared length, so a declared length within the limit is the limit.
 */
function refuseUpload(request: FastifyRequest, reply: FastifyReply, uploadBytes: number): FastifyReply | null {
  const declared = declaredLength(request);
  const drainUpTo = refusedBodyDrainFactor * (uploadBytes + formOverheadBytes);
  if (!isMultipart(request.headers["content-type"])) {
    return refuseAsTrpc(endAfterRefusal(reply, declared, drainUpTo), 415, "UNSUPPORTED_MEDIA_TYPE", "Upload a file as multipart form data (Content-Type: multipart/form-data) with a `file` field.");
  }
  if (request.headers["content-length"] === undefined || request.headers["transfer-encoding"] !== undefined) {
    return refuseAsTrpc(reply.header("connection", "close"), 411, "BAD_REQUEST", "Uploads must declare their length (Content-Length); chunked uploads are not accepted.");
  }
  if (declared === null || declared > uploadBytes + formOverheadBytes) {
    return refuseAsTrpc(
      endAfterRefusal(reply, declared, drainUpTo),
      413,
      "PAYLOAD_TOO_LARGE",
      `Files are at most ${(uploadBytes / (1024 * 1024)).toLocaleString("en", { maximumFractionDigits: 1 })} MB.`,
    );
  }
  return null;
}

/** tRPC's error codes for the refusals an upload can meet before tRPC sees it. */
const trpcErrorNumbers = { BAD_REQUEST: -32600, PAYLOAD_TOO_LARGE: -32413, UNSUPPORTED_MEDIA_TYPE: -32415 } as const;

/**
 * A refusal in tRPC's own error shape, so the tRPC client (and the web app's upload) reads the
 * code and message as it does for any procedure's error; the caller says how the connection ends.
 */
function refuseAsTrpc(reply: FastifyReply, status: number, code: keyof typeof trpcErrorNumbers, message: string): FastifyReply {
  return reply
    .status(status)
    .send({ error: { message, code: trpcErrorNumbers[code], data: { code, httpStatus: status, path: "document.upload", retryAfterSeconds: null } } });
}

/**
 * Request-level limits on `/trpc`, from the headers alone: a body that is not JSON is refused
 * with 415 (tRPC would read multipart and other bodies whole, with no limit), a declared
 * length over `bodyBytes` with 413; Fastify's JSON parser enforces the limit while reading a
 * chunked body. The upload procedure alone takes multipart, with a declared length up to
 * `uploadBytes`. Batches over `batchSize` are refused by tRPC (`maxBatchSize`); counted here.
 * A refused body declared within twice its limit is read and dropped so a proxy in front gets
 * the refusal; past that the connection is closed (`endAfterRefusal`).
 */
export function registerRequestLimits(
  app: FastifyInstance,
  settings: Pick<LimitSettings, "bodyBytes" | "batchSize"> & { uploadBytes: number },
  metrics: LimitMetrics,
): void {
  app.addHook("onRequest", async (request, reply) => {
    if (!request.url.startsWith("/trpc")) return;
    if (request.method === "POST" && (request.url === uploadPath || request.url.startsWith(`${uploadPath}?`)) && hasBody(request)) {
      const refused = refuseUpload(request, reply, settings.uploadBytes);
      if (refused) metrics.limitRejected("request_body");
      return refused ?? undefined;
    }
    if (request.method !== "GET" && request.method !== "HEAD" && hasBody(request)) {
      const drainUpTo = refusedBodyDrainFactor * settings.bodyBytes;
      if (!isJson(request.headers["content-type"])) {
        metrics.limitRejected("request_body");
        return refuse(request, reply, 415, "Recall's API takes JSON bodies only (Content-Type: application/json).", drainUpTo);
      }
      const declared = Number(request.headers["content-length"] ?? 0);
      if (declared > settings.bodyBytes) {
        metrics.limitRejected("request_body");
        return refuse(request, reply, 413, `Request bodies are at most ${settings.bodyBytes.toLocaleString("en")} bytes.`, drainUpTo);
      }
    }
    if (settings.batchSize > 0) {
      const query = request.url.indexOf("?");
      const search = new URLSearchParams(query < 0 ? "" : request.url.slice(query + 1));
      const path = request.url.slice("/trpc/".length, query < 0 ? undefined : query);
      if (search.get("batch") === "1" && path.split(",").length > settings.batchSize) metrics.limitRejected("batch_size");
    }
  });
  // A mutation called without input (`auth.token.mutate()` over tRPC's httpLink) arrives as a
  // JSON POST with no body, which tRPC would parse as JSON and refuse ("Unexpected end of JSON
  // input"). No body means no input: an empty object, which an optional input accepts and a
  // required one refuses with its own clear message.
  app.addHook("preHandler", async (request) => {
    if (request.method === "POST" && request.url.startsWith("/trpc/") && (request.body === undefined || request.body === null || request.body === "") && !hasBody(request) && isJson(request.headers["content-type"])) {
      request.body = "{}";
    }
  });
  app.addHook("onError", async (_request, _reply, error: { code?: string }) => {
    if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE") metrics.limitRejected("request_body");
  });
}
