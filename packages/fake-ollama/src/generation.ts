import type { Exchange } from "./exchange.ts";
import type { Cancellable } from "./state.ts";
import type { Failure, GenerationOutcome } from "./types.ts";
import type { GenerationMetrics, WireShape } from "./wire-format.ts";

export type MidStreamFailure = Exclude<Failure, { kind: "http-error" }>;

export interface GenerationPlan {
  thinking: string[];
  content: string[];
  /** Wire-ready tool calls, sent as one line after the content. */
  toolCalls: unknown[] | undefined;
  toolCallTokens: number;
  failure: MidStreamFailure | undefined;
  doneReason: "stop" | "length";
  /** 0 writes every token in one go. */
  intervalMs: number;
  firstTokenLatencyMs: number;
  promptEvalCount: number;
  stream: boolean;
  /** When the request was decoded and validated (the end of Ollama's "load"). */
  readyAt: number;
  /** The cost model's simulated stats, reported instead of the measured ones. */
  simulatedMetrics?: GenerationMetrics;
  /** Called once when the generation is over, however it ended, with the pieces written. */
  onSettle?: (written: number, outcome: GenerationOutcome) => void;
}

const NANOS_PER_MILLI = 1e6;

/**
 * Plays a plan out over time: token i is written at start + firstTokenLatency
 * + i * interval by one timer per token (no busy loop, no per-token closures),
 * then the done line or the scripted failure. Stops quietly when the client leaves.
 */
export class Generation implements Cancellable {
  private readonly plan: GenerationPlan;
  private readonly wire: WireShape;
  private readonly exchange: Exchange;
  private readonly registry: Set<Cancellable>;
  /** Pieces written before the failure (or the end) takes over. */
  private readonly stopAt: number;
  private readonly tokenTimes: number[] | undefined;
  private readonly bufferedContent: string[] = [];
  private readonly bufferedThinking: string[] = [];
  private readonly step = () => this.run();
  private written = 0;
  private firstAt = 0;
  private firstWrittenAt = 0;
  private lastWrittenAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private settled = false;

  constructor(plan: GenerationPlan, wire: WireShape, exchange: Exchange, registry: Set<Cancellable>, recordTokenTimes: boolean) {
    this.plan = plan;
    this.wire = wire;
    this.exchange = exchange;
    this.registry = registry;
    const totalPieces = plan.thinking.length + plan.content.length;
    this.stopAt = plan.failure ? Math.min(Math.max(0, plan.failure.afterTokens), totalPieces) : totalPieces;
    this.tokenTimes = recordTokenTimes ? [] : undefined;
  }

  start(): void {
    const { record, response } = this.exchange;
    record.evalCount = 0;
    // The client may already be gone (its "close" came before the handler ran).
    if (response.destroyed || response.socket?.destroyed !== false) {
      record.outcome = "aborted";
      this.settle();
      return;
    }
    record.outcome = "running";
    if (this.tokenTimes) record.tokenTimes = this.tokenTimes;
    this.registry.add(this);
    response.once("close", () => this.onClose());
    this.firstAt = performance.now() + this.plan.firstTokenLatencyMs;
    if (this.plan.firstTokenLatencyMs > 0) this.timer = setTimeout(this.step, this.plan.firstTokenLatencyMs);
    else this.run();
  }

  /** Server shutdown: stop timers; the server drops the socket itself. */
  cancel(): void {
    this.settle();
  }

  private run(): void {
    this.timer = undefined;
    while (!this.settled) {
      if (this.written === this.stopAt) {
        if (this.plan.failure) this.fail(this.plan.failure);
        else this.finish();
        return;
      }
      this.writePiece();
      if (this.plan.intervalMs > 0 && this.written < this.stopAt) {
        const due = this.firstAt + this.written * this.plan.intervalMs;
        this.timer = setTimeout(this.step, Math.max(0, due - performance.now()));
        return;
      }
    }
  }

  private writePiece(): void {
    const index = this.written;
    const thinkingCount = this.plan.thinking.length;
    const isThinking = index < thinkingCount;
    const piece = (isThinking ? this.plan.thinking[index] : this.plan.content[index - thinkingCount]) ?? "";
    if (this.plan.stream) {
      this.exchange.startStream();
      this.exchange.response.write(isThinking ? this.wire.thinkingLine(piece) : this.wire.contentLine(piece));
    } else if (isThinking) {
      this.bufferedThinking.push(piece);
    } else {
      this.bufferedContent.push(piece);
    }
    const now = performance.now();
    if (index === 0) this.firstWrittenAt = now;
    this.lastWrittenAt = now;
    this.written++;
    this.exchange.record.evalCount = this.written;
    this.tokenTimes?.push(now);
  }

  private metrics(evalCount: number): GenerationMetrics {
    if (this.plan.simulatedMetrics) return this.plan.simulatedMetrics;
    const now = performance.now();
    const intervalNanos = this.plan.intervalMs * NANOS_PER_MILLI;
    const firstAt = this.written > 0 ? this.firstWrittenAt : now;
    const loadDuration = Math.max(1, Math.round((this.plan.readyAt - this.exchange.arrivedAt) * NANOS_PER_MILLI));
    // The first token's own generation time belongs to eval, not to prompt processing.
    const promptEvalDuration = Math.max(1, Math.round((firstAt - this.plan.readyAt) * NANOS_PER_MILLI - intervalNanos));
    // Timers may fire a hair early; the reported rate must never beat the configured one.
    const measuredEval = Math.max((this.lastWrittenAt - firstAt) * NANOS_PER_MILLI + intervalNanos, evalCount * intervalNanos);
    const evalDuration = evalCount > 0 ? Math.max(1, Math.round(measuredEval)) : 0;
    const measured = Math.round((now - this.exchange.arrivedAt) * NANOS_PER_MILLI);
    return {
      totalDuration: Math.max(measured, loadDuration + promptEvalDuration + evalDuration),
      loadDuration,
      promptEvalCount: this.plan.promptEvalCount,
      promptEvalDuration,
      evalCount,
      evalDuration,
    };
  }

  private finish(): void {
    const { plan, exchange } = this;
    const toolCalls = plan.toolCalls && plan.toolCalls.length > 0 ? plan.toolCalls : undefined;
    const evalCount = this.written + (toolCalls ? plan.toolCallTokens : 0);
    const metrics = this.metrics(evalCount);
    exchange.record.evalCount = evalCount;
    exchange.record.doneReason = plan.doneReason;
    exchange.record.outcome = "done";
    if (plan.stream) {
      exchange.startStream();
      if (toolCalls) exchange.response.write(this.wire.toolCallsLine(toolCalls));
      exchange.response.end(this.wire.doneLine(plan.doneReason, metrics));
    } else {
      const content = this.bufferedContent.join("");
      const thinking = this.bufferedThinking.join("");
      exchange.json(200, this.wire.wholeReply({ content, thinking, toolCalls, doneReason: plan.doneReason, metrics }));
    }
    this.settle();
  }

  private fail(failure: MidStreamFailure): void {
    const { exchange } = this;
    exchange.record.outcome = failure.kind;
    switch (failure.kind) {
      case "error-line":
        if (this.plan.stream) {
          exchange.startStream();
          exchange.response.end(`${JSON.stringify({ error: failure.message })}\n`);
        } else {
          // Without streaming, Ollama turns a runner error into a 500.
          exchange.error(500, failure.message);
        }
        this.settle();
        return;
      case "reset":
        // Let the lines already written reach the socket before it goes.
        setImmediate(() => exchange.response.socket?.destroy());
        this.settle();
        return;
      case "hang":
        // Nothing more is sent; the generation stays active until the connection closes.
        return;
    }
  }

  private onClose(): void {
    if (!this.settled) {
      const outcome = this.exchange.record.outcome;
      if (outcome === "running") this.exchange.record.outcome = "aborted";
    }
    this.settle();
  }

  private settle(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const first = !this.settled;
    this.settled = true;
    this.registry.delete(this);
    if (first) this.plan.onSettle?.(this.written, this.exchange.record.outcome ?? "aborted");
  }
}
