import type { IncomingMessage, ServerResponse } from "node:http";
import type { ServerState } from "./state.ts";
import type { RecordedRequest } from "./types.ts";

/** One request/response pair plus its record: every reply goes through here so the record sees the status. */
export class Exchange {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly record: RecordedRequest;
  readonly state: ServerState;
  readonly arrivedAt: number;
  /** The cost model's simulated clock when the request's headers arrived (before its body was read). */
  readonly simulatedArrival: number;
  body: Record<string, unknown> = {};
  /** A request to the guard model: what Llama Guard answers, unless a queued script comes first. */
  guardAnswer: string | undefined;

  constructor(request: IncomingMessage, response: ServerResponse, record: RecordedRequest, state: ServerState) {
    this.request = request;
    this.response = response;
    this.record = record;
    this.state = state;
    this.arrivedAt = record.receivedAt;
    this.simulatedArrival = state.cost?.clock.arrival() ?? 0;
  }

  json(status: number, payload: unknown): void {
    this.sendBody(status, "application/json; charset=utf-8", typeof payload === "string" ? payload : JSON.stringify(payload));
  }

  error(status: number, message: string): void {
    this.json(status, { error: message });
  }

  text(status: number, text: string): void {
    this.sendBody(status, "text/plain; charset=utf-8", text);
  }

  /** Headers for a stream, sent with its first line like Ollama (Go writes them on the first flush). */
  startStream(): void {
    if (this.response.headersSent) return;
    this.record.status = 200;
    this.response.writeHead(200, { "Content-Type": "application/x-ndjson" });
  }

  private sendBody(status: number, contentType: string, body: string): void {
    if (this.response.headersSent || this.response.destroyed) return;
    this.record.status = status;
    this.response.writeHead(status, { "Content-Type": contentType, "Content-Length": Buffer.byteLength(body) });
    this.response.end(this.request.method === "HEAD" ? undefined : body);
  }
}

export function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
    // A client that leaves mid-body never sends "end"; settle so nothing waits forever.
    request.on("close", () => {
      if (!request.complete) reject(new Error("client closed the connection before sending the whole body"));
    });
  });
}

type ParsedBody = { ok: true; value: Record<string, unknown> } | { ok: false; message: string };

function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (typeof value === "boolean") return "bool";
  return typeof value;
}

/** Parses a request body with the error wording of Go's encoding/json, as Ollama answers it. */
export function parseJsonBody(text: string, goType: string): ParsedBody {
  if (text.trim() === "") return { ok: false, message: "missing request body" };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const truncated = error instanceof Error && error.message.includes("end of JSON");
    return { ok: false, message: truncated ? "unexpected EOF" : "invalid character in request body: not valid JSON" };
  }
  if (value === null) return { ok: true, value: {} };
  if (typeof value !== "object" || Array.isArray(value)) {
    return { ok: false, message: `json: cannot unmarshal ${jsonKind(value)} into Go value of type api.${goType}` };
  }
  return { ok: true, value: value as Record<string, unknown> };
}

export type FieldType = "string" | "bool" | "number" | "array" | "object" | "string-or-array";

const goTypeNames: Record<FieldType, string> = {
  string: "string",
  bool: "bool",
  number: "int",
  array: "[]interface {}",
  object: "map[string]interface {}",
  "string-or-array": "string",
};

function matches(value: unknown, type: FieldType): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "bool":
      return typeof value === "boolean";
    case "number":
      return typeof value === "number";
    case "array":
      return Array.isArray(value);
    case "object":
      return typeof value === "object" && !Array.isArray(value);
    case "string-or-array":
      return typeof value === "string" || Array.isArray(value);
  }
}

/** Checks the fields Ollama would fail to decode; `null` is fine, as in Go. */
export function checkFieldTypes(body: Record<string, unknown>, goType: string, fields: Record<string, FieldType>): string | undefined {
  for (const [name, type] of Object.entries(fields)) {
    const value = body[name];
    if (value === undefined || value === null || matches(value, type)) continue;
    return `json: cannot unmarshal ${jsonKind(value)} into Go struct field ${goType}.${name} of type ${goTypeNames[type]}`;
  }
  return undefined;
}
