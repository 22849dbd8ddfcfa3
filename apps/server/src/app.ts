import { existsSync } from "node:fs";
import { join } from "node:path";
import fastifyCookie from "@fastify/cookie";
import fastifyStatic from "@fastify/static";
import { fastifyTRPCPlugin, type FastifyTRPCPluginOptions } from "@trpc/server/adapters/fastify";
import Fastify, { LogController, type FastifyInstance } from "fastify";
import { requestGuardPlugin } from "./auth/request-guard.ts";
import { describeError } from "./errors.ts";
import type { RecallConfig } from "./env.ts";
import type { LogDestination, Operations } from "./ops/operations.ts";
import { operationsPlugin } from "./ops/operations-plugin.ts";
import { requestIdFor } from "./ops/request-id.ts";
import { registerSseKeepAlive } from "./ops/sse-keep-alive.ts";
import { LimitExceededError } from "./domain-errors.ts";
import { registerRequestLimits } from "./limits/http-limits.ts";
import { withClientAddress } from "./limits/limits-middleware.ts";
import { createAppRouter, type AppRouter } from "./router.ts";
import type { Services } from "./services.ts";
import { createContextFactory } from "./trpc/context.ts";
import { sseClientOptions } from "./trpc/init.ts";
import { registerReplyStreamRoute } from "./chat/reply-stream-route.ts";

/**
 * Defence in depth for the web app, behind the renderer's own rules: only our scripts and
 * styles run, requests go to this origin only, and images load from the allowlist alone.
 */
export function contentSecurityPolicy(imageOrigins: readonly string[]): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src ${["'self'", ...imageOrigins].join(" ")}`,
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/**
 * The Fastify instance, made first in `createRecall`: its pino logger is the one every
 * service logs through, so nothing logged while they are built is lost.
 */
export function createHttpServer(config: Pick<RecallConfig, "logLevel" | "trustProxy" | "limits">, logDestination?: LogDestination): FastifyInstance {
  return Fastify({
    logger: {
      level: config.logLevel,
      // Query strings carry procedure inputs: log the path only, never content.
      serializers: { req: (request) => ({ method: request.method, url: request.url.split("?")[0] }) },
      stream: logDestination,
    },
    genReqId: requestIdFor,
    // Two log lines per request cost more than the request itself on the streaming path;
    // failures are still logged by the error handlers below.
    logController: new LogController({ disableRequestLogging: true }),
    // JSON bodies (tRPC's parser); `/trpc` refuses every other content type (`limits/http-limits.ts`).
    bodyLimit: config.limits.bodyBytes,
    routerOptions: { maxParamLength: 5000 },
    forceCloseConnections: true,
    // `request.protocol` (Secure cookies) and `request.host` believe X-Forwarded-* from these proxies only.
    trustProxy: config.trustProxy,
  });
}

/** Adds Recall's routes to the server, without listening, so tests can use it on port 0 or with inject. */
export async function buildApp(app: FastifyInstance, services: Services, operations?: Operations): Promise<FastifyInstance> {
  const appRouter = createAppRouter(services);
  const createContext = createContextFactory(services);
  // Before the tRPC routes: bodies are refused from their headers, before anything is read.
  registerRequestLimits(app, { ...services.config.limits, uploadBytes: services.config.documents.maxBytes }, services.limits.metrics);
  // Quiet reply streams stay open through proxies (nginx's proxy_read_timeout) without a cost per token.
  const keepAlive = registerSseKeepAlive(app, services.config.sseKeepAliveMs);
  const policy = contentSecurityPolicy(services.config.imageOrigins);
  app.addHook("onSend", async (_request, reply) => {
    reply.header("content-security-policy", policy);
    reply.header("x-content-type-options", "nosniff");
    reply.header("referrer-policy", "no-referrer");
  });

  await app.register(requestGuardPlugin, { allowedHosts: services.config.allowedHosts });
  if (operations) await app.register(operationsPlugin, { operations, router: appRouter });
  // Parses the identity cookie and writes Set-Cookie (`trpc/context.ts`).
  await app.register(fastifyCookie);
  const trpcOptions = {
    router: appRouter,
    createContext: async (options) => withClientAddress(await createContext(options), options.req.ip),
    maxBatchSize: services.config.limits.batchSize || undefined,
    // Over a limit, plain HTTP clients read when to try again from Retry-After.
    responseMeta({ errors }) {
      const waits = errors.map((error) => (error.cause instanceof LimitExceededError ? error.cause.retryAfterSeconds : null)).filter((wait) => wait !== null);
      return waits.length > 0 ? { headers: { "retry-after": String(Math.max(...waits)) } } : {};
    },
    onError({ path, error }) {
      if (error.code === "INTERNAL_SERVER_ERROR") {
        app.log.error({ path, error: describeError(error.cause ?? error) }, "procedure failed");
      }
    },
  } satisfies FastifyTRPCPluginOptions<AppRouter>["trpcOptions"];
  // Live reply streams are written without tRPC's per-event stream pipeline; the rest goes to tRPC.
  registerReplyStreamRoute(app, {
    eventLogs: services.eventLogs,
    frameMs: services.config.streamFrameMs,
    sseClientOptions,
    createContext: async (req, res) => withClientAddress(await createContext({ req, res, info: undefined as never }), req.ip),
    trpcOptions,
    trackStream: keepAlive.track,
  });
  await app.register(fastifyTRPCPlugin, { prefix: "/trpc", trpcOptions });

  // Errors outside tRPC (oversized bodies, bad JSON): a clear message, never internals.
  app.setErrorHandler((error: { statusCode?: number; message: string }, _request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status >= 500) app.log.error({ error: describeError(error) }, "request failed");
    void reply.status(status).send({ error: status >= 500 ? "Something went wrong on the server. Try again." : error.message });
  });

  const indexPath = join(services.config.webDist, "index.html");
  if (existsSync(indexPath)) {
    await app.register(fastifyStatic, {
      root: services.config.webDist,
      cacheControl: false,
      // Vite names assets by content hash: cache them for good, but always revalidate the page.
      setHeaders: (response, path) => {
        response.setHeader("cache-control", path.includes("/assets/") ? "public, max-age=31536000, immutable" : "no-cache");
      },
    });
    app.setNotFoundHandler((request, reply) => {
      const path = request.url.split("?")[0] ?? "";
      // Page navigations get the app (it routes itself); a missing file stays a 404, so a
      // stale asset name never comes back as HTML.
      if (request.method === "GET" && !path.startsWith("/trpc") && !/\.[a-z0-9]+$/i.test(path)) {
        return reply.header("cache-control", "no-cache").sendFile("index.html");
      }
      return reply.status(404).send({ error: "Not found." });
    });
  } else {
    app.get("/", (_request, reply) =>
      reply.type("text/plain").send("Recall's API is running at /trpc, but the web app is not built. Run `pnpm build` (or `pnpm start`, which builds it)."),
    );
  }
  return app;
}
