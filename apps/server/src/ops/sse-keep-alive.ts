import type { ServerResponse } from "node:http";
import type { FastifyInstance } from "fastify";

/**
 * tRPC's SSE ping event, written by us: the tRPC client counts it as activity (so its
 * inactivity reconnect fires only on a dead connection) and browsers ignore an event type
 * nobody listens to.
 */
const pingEvent = "event: ping\ndata: \n\n";

/**
 * Keeps quiet subscription streams open through proxies (nginx's `proxy_read_timeout`, 60 s by
 * default) while a reply waits in the model queue or in a slow prefill. tRPC's own ping races
 * every event against a timer, a cost per token; here one timer looks at every open stream
 * each `intervalMs` and writes a ping only to those that sent nothing since its last look. A
 * quiet stream hears from the server at least every `2 × intervalMs`; a busy one never does.
 *
 * A ping is never written inside an event: tRPC writes an event's lines one after another
 * without yielding to timers, unless the socket is full (`writableNeedDrain`), and a full
 * socket is skipped.
 */
export function registerSseKeepAlive(app: FastifyInstance, intervalMs: number): { open(): number; track(response: ServerResponse): void } {
  /** Each open stream and the socket's byte count at the last look. */
  const streams = new Map<ServerResponse, number>();
  if (intervalMs <= 0) return { open: () => 0, track: () => undefined };
  /** A stream written outside tRPC's response (`chat/reply-stream-route.ts`) is handed in here. */
  const track = (response: ServerResponse): void => {
    streams.set(response, -1);
    response.once("close", () => streams.delete(response));
  };

  app.addHook("onSend", (_request, reply, payload, done) => {
    if (isEventStream(payload)) track(reply.raw);
    done(null, payload);
  });

  const timer = setInterval(() => {
    for (const [response, lastBytes] of streams) {
      if (response.writableEnded || response.destroyed) {
        streams.delete(response);
        continue;
      }
      const bytes = response.socket?.bytesWritten ?? -1;
      if (response.headersSent && bytes === lastBytes && !response.writableNeedDrain) response.write(pingEvent);
      streams.set(response, response.socket?.bytesWritten ?? -1);
    }
  }, intervalMs);
  timer.unref();
  app.addHook("onClose", (_instance, done) => {
    clearInterval(timer);
    done();
  });
  return { open: () => streams.size, track };
}

function isEventStream(payload: unknown): boolean {
  if (Object.prototype.toString.call(payload) !== "[object Response]") return false;
  return (payload as Response).headers.get("content-type")?.startsWith("text/event-stream") ?? false;
}
