import type { ServerResponse } from "node:http";
import { streamInput } from "@recall/schema";
import type { AnyTRPCRouter } from "@trpc/server";
import { fastifyRequestHandler, type FastifyTRPCPluginOptions } from "@trpc/server/adapters/fastify";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Context } from "../trpc/context.ts";
import type { EventLogs } from "./event-log.ts";
import { openLiveReply, replyFrames } from "./reply-frames.ts";

/** The procedure path the tRPC client subscribes to (`httpSubscriptionLink`: GET with `?input=`). */
export const replyStreamPath = "/trpc/message.stream";

export interface ReplyStreamRouteOptions<TRouter extends AnyTRPCRouter> {
  eventLogs: EventLogs;
  frameMs: number;
  /** What tRPC sends first on every stream (`sse.client` in `trpc/init.ts`). */
  sseClientOptions: object;
  /** The request's tRPC context, made once: the fallback reuses it (a refreshed session must not rotate twice). */
  createContext: (request: FastifyRequest, reply: FastifyReply) => Promise<Context>;
  /** The tRPC plugin's own options: every stream this route does not write itself goes to tRPC with them. */
  trpcOptions: FastifyTRPCPluginOptions<TRouter>["trpcOptions"];
  /** Quiet streams get keep-alive pings (`ops/sse-keep-alive.ts`). */
  trackStream?: (response: ServerResponse) => void;
}

/**
 * The live part of `message.stream`, written straight to the socket. Through tRPC each token
 * passes an async generator, a ReadableStream, two TransformStreams and Fastify's reading of
 * the result before its one write, and in CPU profiles of the streaming benchmark that
 * pipeline outweighed the write itself (`bench/profile.bench.ts` shows what is left). This
 * writes the same Server-Sent Events
 * tRPC's `sseStreamProducer` writes (`connected`, then `data:` + `id:` per tracked event, then
 * `return`), so the real tRPC client reads it unchanged, and the procedure's semantics stay in
 * one place (`reply-frames.ts`). Anything else (no live log, another user's reply, bad input,
 * no identity, a session cookie to refresh) goes to tRPC itself with the same context.
 */
export function registerReplyStreamRoute<TRouter extends AnyTRPCRouter>(app: FastifyInstance, options: ReplyStreamRouteOptions<TRouter>): void {
  const connected = `event: connected\ndata: ${JSON.stringify(options.sseClientOptions)}\n\n`;
  app.get(replyStreamPath, async (request, reply) => {
    // A session refreshed while making the context sets cookies, which only Fastify's own reply
    // sends (in its onSend hook): such a request goes to tRPC's path.
    let cookiesSet = false;
    const setCookie = reply.setCookie.bind(reply);
    reply.setCookie = ((...cookie: Parameters<typeof setCookie>) => {
      cookiesSet = true;
      return setCookie(...cookie);
    }) as typeof reply.setCookie;
    const context = await options.createContext(request, reply);
    const input = streamInput.safeParse(parseInput(request.query));
    const live = context.userId !== null && input.success && !cookiesSet
      ? await openLiveReply(options.eventLogs, context.userId, input.data.messageId, input.data.lastEventId)
      : null;
    if (!live) {
      return fastifyRequestHandler({ ...options.trpcOptions, req: request, res: reply, path: "message.stream", createContext: async () => context } as Parameters<typeof fastifyRequestHandler>[0]);
    }
    reply.hijack();
    const response = reply.raw;
    response.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache, no-transform",
      "x-accel-buffering": "no",
      connection: "keep-alive",
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
    });
    response.write(connected);
    options.trackStream?.(response);
    const gone = new AbortController();
    response.once("close", () => gone.abort());
    try {
      for await (const frame of replyFrames(live, options.frameMs, gone.signal)) {
        // One write per frame; a client that reads slower than the model writes is waited for.
        if (!response.write(`data: ${JSON.stringify(frame.event)}\nid: ${frame.id}\n\n`)) await drained(response);
        if (gone.signal.aborted) return;
      }
      response.end("event: return\ndata: \n\n");
    } catch (error) {
      request.log.warn({ error: error instanceof Error ? error.name : "unknown" }, "reply stream failed");
      response.destroy();
    }
  });
}

/** tRPC's GET input: JSON in `?input=`; anything unreadable fails validation like a bad input. */
function parseInput(query: unknown): unknown {
  const raw = (query as { input?: unknown } | null)?.input;
  if (typeof raw !== "string") return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

function drained(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      response.off("drain", done);
      response.off("close", done);
      resolve();
    };
    response.once("drain", done);
    response.once("close", done);
  });
}
