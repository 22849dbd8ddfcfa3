import type { Socket } from "node:net";
import type { AnyTRPCRouter } from "@trpc/server";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Operations } from "./operations.ts";

export interface OperationsPluginOptions {
  operations: Operations;
  /** Its procedure names are the only ones a route label or a log line may hold. */
  router: AnyTRPCRouter;
  trpcPrefix?: string;
}

/** Probe and scrape traffic is counted but logged at debug only, so it does not drown the requests that matter. */
const probeRoutes = new Set(["/livez", "/readyz", "/metrics"]);
/** A batch naming more procedures than this is logged as unknown rather than listed. */
const maxListedProcedures = 20;

interface RouteInfo {
  label: string;
  procedures?: string[];
}

/**
 * `/metrics`, `/livez`, `/readyz`, and per-request metrics and log lines. Registered with
 * `skip-override` (what fastify-plugin sets) so its hooks see every route, tRPC's included.
 */
async function registerOperations(app: FastifyInstance, { operations, router, trpcPrefix = "/trpc" }: OperationsPluginOptions): Promise<void> {
  const { metrics, readiness, metricsAccess } = operations;
  const procedures = new Set(Object.keys(router._def.procedures as Record<string, unknown>));
  const trpcRoute = `${trpcPrefix}/:path`;
  const socketTotals = new WeakMap<Socket, { read: number; written: number }>();

  const routeOf = (request: FastifyRequest): RouteInfo => {
    const pattern = request.routeOptions.url;
    if (pattern === undefined) return { label: "(unmatched)" };
    if (pattern !== trpcRoute) return { label: pattern };
    // The path names the procedures (comma-separated in a batch); anything else there is not ours to repeat.
    const names = String((request.params as { path?: unknown }).path ?? "").split(",");
    if (names.length > maxListedProcedures || !names.every((name) => procedures.has(name))) return { label: `${trpcPrefix}/(unknown)` };
    return { label: names.length === 1 ? `${trpcPrefix}/${names[0]}` : `${trpcPrefix}/(batch)`, procedures: names };
  };

  /** Bytes on the wire (headers included) since the socket's previous request: counts streamed bodies too. */
  const bytesOf = (socket: Socket | null | undefined): { requestBytes: number | null; responseBytes: number | null } => {
    if (!socket) return { requestBytes: null, responseBytes: null };
    const previous = socketTotals.get(socket) ?? { read: 0, written: 0 };
    const current = { read: socket.bytesRead, written: socket.bytesWritten };
    socketTotals.set(socket, current);
    return { requestBytes: current.read - previous.read, responseBytes: current.written - previous.written };
  };

  app.addHook("onRequest", (request, reply, done) => {
    reply.header("x-request-id", request.id);
    done();
  });

  app.addHook("onResponse", (request, reply, done) => {
    const route = routeOf(request);
    metrics.httpRequest(request.method, route.label, reply.statusCode, reply.elapsedTime / 1000);
    if (operations.requestLog) {
      const line = {
        method: request.method,
        route: route.label,
        ...(route.procedures ? { procedures: route.procedures } : {}),
        status: reply.statusCode,
        ...bytesOf(request.raw.socket),
        durationMs: Math.round(reply.elapsedTime * 10) / 10,
      };
      if (probeRoutes.has(route.label)) request.log.debug(line, "request finished");
      else request.log.info(line, "request finished");
    }
    done();
  });

  app.addHook("onClose", async () => {
    await operations.close();
  });

  app.get("/livez", (_request, reply) => reply.header("cache-control", "no-store").send({ status: "alive" }));

  app.get("/readyz", async (_request, reply) => {
    const report = await readiness.check();
    return reply
      .status(report.ready ? 200 : 503)
      .header("cache-control", "no-store")
      .send({ status: report.ready ? (report.degraded.length > 0 ? "degraded" : "ready") : "not ready", failing: report.failing, degraded: report.degraded, checks: report.checks });
  });

  app.get("/metrics", async (request, reply) => {
    if (!metricsAccess) return reply.status(404).send({ error: "Not found." });
    if (!metricsAccess(request.headers.authorization)) {
      return reply
        .status(401)
        .header("www-authenticate", 'Bearer realm="metrics"')
        .send({ error: "Metrics are for operators: send the metrics token as `Authorization: Bearer <token>`." });
    }
    const body = await metrics.render();
    return reply.header("cache-control", "no-store").type(metrics.contentType).send(body);
  });
}

export const operationsPlugin = Object.assign(registerOperations, {
  [Symbol.for("skip-override")]: true,
  [Symbol.for("fastify.display-name")]: "recall-operations",
});
