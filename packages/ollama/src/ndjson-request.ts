import http from "node:http";
import https from "node:https";

/** Ollama answered with an error status: the shape `ollama-js` gives its ResponseError (`toLlmError` reads it). */
export class OllamaResponseError extends Error {
  override readonly name = "ResponseError";

  constructor(
    message: string,
    readonly status_code: number,
  ) {
    super(message);
  }
}

/** The connection failed before Ollama answered: nothing was generated. */
export class OllamaConnectionError extends Error {
  override readonly name = "OllamaConnectionError";

  constructor(
    readonly code: string,
    /** Reset before any answer (typically a kept-alive socket the other side had closed): one retry is safe. */
    readonly resetBeforeAnswer: boolean,
    options: { cause: unknown },
  ) {
    super(`connection failed: ${code}`, options);
  }
}

/** One object per line; undefined for a line that is not JSON (ollama-js skips those too). */
function parseLine(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * POSTs JSON and yields the response's newline-delimited JSON objects as they arrive, over
 * node:http with a kept-alive agent. A streamed reply is one line per token: through fetch,
 * each line crossed undici's body ReadableStream and ollama-js's TextDecoder and line splitter
 * before reaching us; here a socket read is one callback that splits and parses its lines.
 */
export async function* postNdjson(url: URL, body: string, signal: AbortSignal, agent: http.Agent): AsyncGenerator<Record<string, unknown>> {
  const pending: Array<Record<string, unknown>> = [];
  let failure: unknown = null;
  let ended = false;
  let wake: (() => void) | null = null;
  const notify = (): void => {
    const resume = wake;
    wake = null;
    resume?.();
  };
  const transport = url.protocol === "https:" ? https : http;
  let responded = false;
  const request = transport.request(url, {
    method: "POST",
    agent,
    headers: { "content-type": "application/json", accept: "application/x-ndjson", "content-length": Buffer.byteLength(body) },
  });
  const onAbort = (): void => {
    request.destroy(signal.reason instanceof Error ? signal.reason : new Error("aborted"));
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener("abort", onAbort, { once: true });
  request.on("error", (error: NodeJS.ErrnoException) => {
    failure ??= responded ? error : new OllamaConnectionError(error.code ?? error.name, error.code === "ECONNRESET", { cause: error });
    notify();
  });
  request.on("response", (response) => {
    responded = true;
    response.setEncoding("utf8");
    let buffer = "";
    if ((response.statusCode ?? 0) >= 400) {
      response.on("data", (chunk: string) => {
        buffer += chunk;
      });
      response.on("end", () => {
        const parsed = parseLine(buffer.trim());
        const message = typeof parsed?.error === "string" ? parsed.error : buffer.trim() || (response.statusMessage ?? "error");
        failure ??= new OllamaResponseError(message, response.statusCode ?? 500);
        notify();
      });
      return;
    }
    response.on("data", (chunk: string) => {
      buffer += chunk;
      let newline = buffer.indexOf("\n");
      if (newline < 0) return;
      let start = 0;
      while (newline >= 0) {
        const line = buffer.slice(start, newline);
        if (line.length > 0) {
          const parsed = parseLine(line);
          if (parsed) pending.push(parsed);
        }
        start = newline + 1;
        newline = buffer.indexOf("\n", start);
      }
      buffer = buffer.slice(start);
      notify();
    });
    response.on("end", () => {
      const last = buffer.trim().length > 0 ? parseLine(buffer) : undefined;
      if (last) pending.push(last);
      ended = true;
      notify();
    });
    response.on("aborted", () => {
      failure ??= Object.assign(new Error("other side closed"), { code: "ECONNRESET" });
      notify();
    });
    response.on("error", (error) => {
      failure ??= error;
      notify();
    });
  });
  request.end(body);
  try {
    for (;;) {
      while (pending.length > 0) yield pending.shift()!;
      if (failure) throw failure;
      if (ended) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
    // Left early (the caller stopped reading, or a failure): free the socket.
    if (!ended) request.destroy();
  }
}
