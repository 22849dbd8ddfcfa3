import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Exchange, parseJsonBody, readBody } from "./exchange.ts";
import { handleGeneration } from "./generation-handler.ts";
import { handleEmbed, handleEmbeddings, handlePs, handleShow, handleTags, handleVersion } from "./model-handlers.ts";
import { emptyCosts } from "./cost-model.ts";
import { catalogModels, configuredModels, createState, emptyCounts, type ServerState } from "./state.ts";
import type { EndpointCounts, FakeOllama, FakeOllamaOptions, RecordedRequest } from "./types.ts";

interface Route {
  methods: readonly string[];
  /** Go type name used in JSON decoding errors; absent for bodiless routes. */
  bodyType?: string;
  counter?: keyof EndpointCounts;
  handle: (exchange: Exchange) => void | Promise<void>;
}

const routes: Record<string, Route> = {
  "/": { methods: ["GET", "HEAD"], handle: (exchange) => exchange.text(200, "Ollama is running") },
  "/api/version": { methods: ["GET", "HEAD"], counter: "version", handle: handleVersion },
  "/api/tags": { methods: ["GET", "HEAD"], counter: "tags", handle: handleTags },
  "/api/ps": { methods: ["GET"], counter: "ps", handle: handlePs },
  "/api/show": { methods: ["POST"], bodyType: "ShowRequest", counter: "show", handle: handleShow },
  "/api/chat": { methods: ["POST"], bodyType: "ChatRequest", counter: "chat", handle: (exchange) => handleGeneration(exchange, "chat") },
  "/api/generate": {
    methods: ["POST"],
    bodyType: "GenerateRequest",
    counter: "generate",
    handle: (exchange) => handleGeneration(exchange, "generate"),
  },
  "/api/embed": { methods: ["POST"], bodyType: "EmbedRequest", counter: "embed", handle: handleEmbed },
  "/api/embeddings": { methods: ["POST"], bodyType: "EmbeddingRequest", counter: "embeddings", handle: handleEmbeddings },
};

async function serve(state: ServerState, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const method = request.method ?? "GET";
  const path = (request.url ?? "/").split("?")[0] ?? "/";
  const record: RecordedRequest = { method, path, body: undefined, status: 0, receivedAt: performance.now() };
  if (state.settings.recordRequests) state.requests.push(record);
  const exchange = new Exchange(request, response, record, state);

  // Gin's answers for unknown paths and wrong methods, plain text.
  const route = routes[path];
  if (!route) return exchange.text(404, "404 page not found");
  if (!route.methods.includes(method)) return exchange.text(405, "405 method not allowed");
  if (route.counter) state.counts[route.counter]++;

  if (route.bodyType) {
    const parsed = parseJsonBody(await readBody(request), route.bodyType);
    if (!parsed.ok) return exchange.error(400, parsed.message);
    record.body = parsed.value;
    exchange.body = parsed.value;
  } else {
    request.resume();
  }
  await route.handle(exchange);
}

export async function startFakeOllama(options: FakeOllamaOptions = {}): Promise<FakeOllama> {
  const state = createState(options);
  const server = createServer((request, response) => {
    serve(state, request, response).catch((error: unknown) => {
      // A throwing reply hook or a bug here: answer like Ollama's 500, never with a stack.
      if (response.destroyed) return;
      if (!response.headersSent) {
        const message = error instanceof Error ? error.message : "internal error";
        const body = JSON.stringify({ error: message });
        response.writeHead(500, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(body) });
        response.end(body);
      } else {
        response.destroy();
      }
    });
  });
  // Ollama is a Go server with no idle timeout: it never closes a kept-alive connection
  // under a client. Node's 5 s default would, which Ollama's clients never see.
  server.keepAliveTimeout = 0;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  const noCosts = Object.freeze(emptyCosts());

  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    get requests() {
      return state.requests;
    },
    get counts() {
      return state.counts;
    },
    queueScript(script) {
      state.scripts.push(script);
    },
    setModels(models) {
      state.models = catalogModels(models);
      state.loaded.clear();
      state.cost?.unloadAll();
    },
    reset() {
      state.models = configuredModels(options, state.settings.guard);
      state.scripts.length = 0;
      state.requests.length = 0;
      Object.assign(state.counts, emptyCounts());
      state.loaded.clear();
      state.cost?.reset();
    },
    activeStreams() {
      return state.generations.size;
    },
    get costs() {
      return state.cost?.totals ?? noCosts;
    },
    simulatedNow() {
      return state.cost?.clock.now() ?? 0;
    },
    advanceClock(milliseconds) {
      state.cost?.clock.advance(milliseconds);
    },
    holdClock() {
      return state.cost?.clock.hold() ?? (() => {});
    },
    loadedRunners() {
      return state.cost?.scheduler.runners().map((runner) => runner.snapshot()) ?? [];
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        state.cost?.close();
        for (const generation of [...state.generations]) generation.cancel();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
