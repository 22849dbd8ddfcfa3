import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

/** Short, and nothing a log line or a header could be confused by. */
const safeRequestId = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Fastify's `genReqId`: a proxy's `x-request-id` when it is a short safe token, so one id
 * follows the request across hops; otherwise a fresh UUID (unique across instances and
 * restarts, which Fastify's per-process counter is not).
 */
export function requestIdFor(request: { headers: IncomingHttpHeaders }): string {
  const incoming = request.headers["x-request-id"];
  return typeof incoming === "string" && safeRequestId.test(incoming) ? incoming : randomUUID();
}
