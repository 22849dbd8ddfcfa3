/**
 * Response bodies built by string concatenation in Ollama's field order, so a
 * token line costs one timestamp lookup and one JSON.stringify of the piece.
 */

let cachedMillis = -1;
let cachedTimestamp = "";

/** RFC 3339 in UTC, recomputed at most once per millisecond across all streams. */
export function timestamp(): string {
  const now = Date.now();
  if (now !== cachedMillis) {
    cachedMillis = now;
    cachedTimestamp = new Date(now).toISOString();
  }
  return cachedTimestamp;
}

export interface GenerationMetrics {
  totalDuration: number;
  loadDuration: number;
  promptEvalCount: number;
  promptEvalDuration: number;
  evalCount: number;
  evalDuration: number;
}

/** Go's `omitempty` drops zero metrics, so a reply of no tokens has no `eval_count`. */
function metricsFields(metrics: GenerationMetrics): string {
  let fields = "";
  if (metrics.totalDuration) fields += `,"total_duration":${metrics.totalDuration}`;
  if (metrics.loadDuration) fields += `,"load_duration":${metrics.loadDuration}`;
  if (metrics.promptEvalCount) fields += `,"prompt_eval_count":${metrics.promptEvalCount}`;
  if (metrics.promptEvalDuration) fields += `,"prompt_eval_duration":${metrics.promptEvalDuration}`;
  if (metrics.evalCount) fields += `,"eval_count":${metrics.evalCount}`;
  if (metrics.evalDuration) fields += `,"eval_duration":${metrics.evalDuration}`;
  return fields;
}

export interface WholeReply {
  content: string;
  thinking: string;
  toolCalls: unknown[] | undefined;
  doneReason: string;
  metrics: GenerationMetrics;
}

/** How one endpoint (chat or generate) frames its lines. */
export interface WireShape {
  contentLine(piece: string): string;
  thinkingLine(piece: string): string;
  toolCallsLine(toolCalls: unknown[]): string;
  doneLine(doneReason: string, metrics: GenerationMetrics): string;
  wholeReply(reply: WholeReply): string;
}

export function chatWire(model: string): WireShape {
  const head = `{"model":${JSON.stringify(model)},"created_at":"`;
  const message = `","message":{"role":"assistant","content":`;
  return {
    contentLine: (piece) => `${head}${timestamp()}${message}${JSON.stringify(piece)}},"done":false}\n`,
    thinkingLine: (piece) => `${head}${timestamp()}${message}"","thinking":${JSON.stringify(piece)}},"done":false}\n`,
    toolCallsLine: (toolCalls) => `${head}${timestamp()}${message}"","tool_calls":${JSON.stringify(toolCalls)}},"done":false}\n`,
    doneLine: (doneReason, metrics) =>
      `${head}${timestamp()}${message}""},"done_reason":${JSON.stringify(doneReason)},"done":true${metricsFields(metrics)}}\n`,
    wholeReply: (reply) => {
      let body = `${head}${timestamp()}${message}${JSON.stringify(reply.content)}`;
      if (reply.thinking) body += `,"thinking":${JSON.stringify(reply.thinking)}`;
      if (reply.toolCalls) body += `,"tool_calls":${JSON.stringify(reply.toolCalls)}`;
      return `${body}},"done_reason":${JSON.stringify(reply.doneReason)},"done":true${metricsFields(reply.metrics)}}`;
    },
  };
}

/** Deterministic stand-ins for the token ids generate returns in `context`. */
function contextIds(count: number, seed: number): string {
  const ids = new Array<number>(count);
  let state = seed >>> 0;
  for (let index = 0; index < count; index++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    ids[index] = state % 128000;
  }
  return JSON.stringify(ids);
}

/** `raw` requests get no `context`, like Ollama. */
export function generateWire(model: string, includeContext: boolean, contextSeed: number): WireShape {
  const head = `{"model":${JSON.stringify(model)},"created_at":"`;
  const context = (metrics: GenerationMetrics) =>
    includeContext ? `,"context":${contextIds(metrics.promptEvalCount + metrics.evalCount, contextSeed)}` : "";
  return {
    contentLine: (piece) => `${head}${timestamp()}","response":${JSON.stringify(piece)},"done":false}\n`,
    thinkingLine: (piece) => `${head}${timestamp()}","response":"","thinking":${JSON.stringify(piece)},"done":false}\n`,
    toolCallsLine: () => "",
    doneLine: (doneReason, metrics) =>
      `${head}${timestamp()}","response":"","done":true,"done_reason":${JSON.stringify(doneReason)}${context(metrics)}${metricsFields(metrics)}}\n`,
    wholeReply: (reply) => {
      let body = `${head}${timestamp()}","response":${JSON.stringify(reply.content)}`;
      if (reply.thinking) body += `,"thinking":${JSON.stringify(reply.thinking)}`;
      return `${body},"done":true,"done_reason":${JSON.stringify(reply.doneReason)}${context(reply.metrics)}${metricsFields(reply.metrics)}}`;
    },
  };
}
