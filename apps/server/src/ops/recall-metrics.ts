import type { LlmChunk } from "@recall/ollama";
import type { StreamEvent } from "@recall/schema";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { CacheStats } from "../cache/memory-cache.ts";
import { BoundedLabel, hostLabel, methodLabel, statusClass } from "./label-values.ts";
import type { ReplyMetrics, ReplyObservation } from "./reply-metrics.ts";

/** Every limit that can turn a request away; the label never takes another value. */
export const limitNames = [
  "messages_per_second",
  "messages_per_minute",
  "concurrent_generations_user",
  "concurrent_generations_server",
  "message_size",
  "stored_text",
  "chats",
  "temporary_chats",
  "users_per_address",
  "batch_size",
  "request_body",
  "slow_upload",
  "login_attempts",
  "document_uploads",
  "documents",
] as const;
export type LimitName = (typeof limitNames)[number];

export type ModerationRole = "user" | "assistant";
/** What a moderation failure did to the message: let it through (fail open) or refuse it (fail closed). */
export type ModerationErrorOutcome = "failed_open" | "failed_closed";
export type ReplyOutcome = "done" | "stopped" | "error" | "interrupted";

const replyOutcomes: readonly ReplyOutcome[] = ["done", "stopped", "error", "interrupted"];
const moderationErrorOutcomes: readonly ModerationErrorOutcome[] = ["failed_open", "failed_closed"];

/** What the scrape reads from services that keep their own totals. */
export interface MetricsSources {
  cache: { stats(): CacheStats };
  summaries: { readonly stats: { readonly runs: number; readonly failures: number } };
  episodes: { readonly stats: { readonly written: number; readonly failures: number } };
  generations: { readonly activeCount: number };
  memory: { snapshot(): { activeSessions: number } };
  /** The Ollama pool (several hosts), when there is one: its own view of each host. */
  ollamaPool?: { hostStates(): ReadonlyArray<{ url: string; healthy: boolean; running: number }> } | null;
}

type Totals = Record<string, number>;

/**
 * Recall's Prometheus metrics, in a registry of its own (tests run many servers in one
 * process). Other modules call the typed methods and never touch prom-client. No label
 * holds a user id, a chat id or any text: models and categories go through `BoundedLabel`.
 */
export class RecallMetrics implements ReplyMetrics {
  readonly registry = new Registry();
  private sources: MetricsSources | null = null;
  private readonly models = new BoundedLabel(64);
  private readonly categories = new BoundedLabel(32);

  private readonly httpDuration = new Histogram({
    name: "recall_http_request_duration_seconds",
    help: "HTTP requests by method, route pattern and status class; _count is the number of requests. A subscription lasts as long as its stream.",
    labelNames: ["method", "route", "status_class"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  private readonly firstToken = new Histogram({
    name: "recall_reply_first_token_seconds",
    help: "From the model call to the reply's first token (model load and prompt prefill included).",
    labelNames: ["model"] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120],
    registers: [this.registry],
  });
  private readonly streamDuration = new Histogram({
    name: "recall_reply_stream_seconds",
    help: "From the model call to the end of the reply's stream, whatever its outcome.",
    labelNames: ["model"] as const,
    buckets: [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600],
    registers: [this.registry],
  });
  private readonly promptTokens = new Counter({
    name: "recall_prompt_tokens_total",
    help: "Tokens in: prompt_eval_count as Ollama reported it for finished replies.",
    labelNames: ["model"] as const,
    registers: [this.registry],
  });
  private readonly completionTokens = new Counter({
    name: "recall_completion_tokens_total",
    help: "Tokens out: eval_count as Ollama reported it for finished replies.",
    labelNames: ["model"] as const,
    registers: [this.registry],
  });
  private readonly replies = new Counter({
    name: "recall_replies_total",
    help: "Replies by how they ended: done, stopped (by the user), interrupted (shutdown, nobody watching) or error.",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });
  private readonly limitRejections = new Counter({
    name: "recall_limit_rejections_total",
    help: "Requests turned away by a limit.",
    labelNames: ["limit"] as const,
    registers: [this.registry],
  });
  private readonly moderationBlocks = new Counter({
    name: "recall_moderation_blocks_total",
    help: "Messages (role user) and replies (role assistant) blocked by moderation, by category.",
    labelNames: ["role", "category"] as const,
    registers: [this.registry],
  });
  private readonly moderationErrors = new Counter({
    name: "recall_moderation_errors_total",
    help: "Moderation that could not decide, by what happened to the message: failed_open (let through) or failed_closed (refused).",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    // Known label values start at 0, so rates and alerts work before the first event.
    for (const outcome of replyOutcomes) this.replies.inc({ outcome }, 0);
    for (const limit of limitNames) this.limitRejections.inc({ limit }, 0);
    for (const outcome of moderationErrorOutcomes) this.moderationErrors.inc({ outcome }, 0);
    this.registerPulledMetrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The text exposition format, for `/metrics`. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** Services that keep their own totals; read at each scrape. */
  observe(sources: MetricsSources): void {
    this.sources = sources;
  }

  /** `route` is a route pattern or a procedure label, never a URL with its query. */
  httpRequest(method: string, route: string, statusCode: number, seconds: number): void {
    this.httpDuration.observe({ method: methodLabel(method), route, status_class: statusClass(statusCode) }, seconds);
  }

  replyStarted(model: string): ReplyObservation {
    const startedAt = performance.now();
    let answered = false;
    let firstTokenSeen = false;
    return {
      received: (chunk: LlmChunk) => {
        answered = true;
        if (chunk.type !== "delta" || firstTokenSeen) return;
        firstTokenSeen = true;
        this.firstToken.observe({ model: this.models.valueOf(model) }, (performance.now() - startedAt) / 1000);
      },
      finished: (final: StreamEvent) => {
        this.replies.inc({ outcome: replyOutcome(final) });
        // A model that never answered may not exist: its name stays out of the labels.
        if (!answered) return;
        const labels = { model: this.models.valueOf(model) };
        this.streamDuration.observe(labels, (performance.now() - startedAt) / 1000);
        if (final.type !== "done") return;
        if (final.promptTokens !== null && final.promptTokens >= 0) this.promptTokens.inc(labels, final.promptTokens);
        if (final.completionTokens !== null && final.completionTokens >= 0) this.completionTokens.inc(labels, final.completionTokens);
      },
    };
  }

  /** Totals since start-up of what the admin view shows beside the database's figures. */
  async counts(): Promise<{ limitRejections: Record<string, number>; moderationBlocks: Record<string, number>; moderationFailures: Record<string, number>; replies: Record<string, number> }> {
    const byLabel = async (counter: Counter, label: string): Promise<Record<string, number>> => {
      const totals: Record<string, number> = {};
      for (const { labels, value } of (await counter.get()).values) {
        const key = String(labels[label] ?? "");
        totals[key] = (totals[key] ?? 0) + value;
      }
      return totals;
    };
    return {
      limitRejections: await byLabel(this.limitRejections, "limit"),
      moderationBlocks: await byLabel(this.moderationBlocks, "role"),
      moderationFailures: await byLabel(this.moderationErrors, "outcome"),
      replies: await byLabel(this.replies, "outcome"),
    };
  }

  limitRejected(limit: LimitName): void {
    this.limitRejections.inc({ limit });
  }

  /** `category` is the rule's or the guard model's category name (e.g. `S1`), never the text. */
  moderationBlocked(role: ModerationRole, category: string): void {
    this.moderationBlocks.inc({ role, category: this.categories.valueOf(category) });
  }

  moderationFailed(outcome: ModerationErrorOutcome): void {
    this.moderationErrors.inc({ outcome });
  }

  private registerPulledMetrics(): void {
    const registers = [this.registry];
    pulledCounter(registers, "recall_upkeep_calls_total", "Memory upkeep model calls: running summaries and episodes (profile facts are learnt by the episode call).", "kind", () => {
      const sources = this.sources;
      return sources && { summary: sources.summaries.stats.runs, episode: sources.episodes.stats.written + sources.episodes.stats.failures };
    });
    pulledCounter(registers, "recall_upkeep_failures_total", "Memory upkeep calls that failed (the previous summary or episode stays).", "kind", () => {
      const sources = this.sources;
      return sources && { summary: sources.summaries.stats.failures, episode: sources.episodes.stats.failures };
    });
    pulledCounter(registers, "recall_conversation_cache_lookups_total", "Conversation-cache look-ups by result (hit or miss).", "result", () => {
      const stats = this.sources?.cache.stats();
      return stats && { hit: stats.hits, miss: stats.misses };
    });
    pulledCounter(registers, "recall_conversation_cache_errors_total", "Redis commands that failed or timed out (the cache answered from memory).", null, () => {
      const stats = this.sources?.cache.stats();
      return stats && { "": stats.errors };
    });
    const sources = () => this.sources;
    new Gauge({
      name: "recall_conversation_cache_degraded",
      help: "1 while Redis is configured but unreachable and the cache answers from process memory.",
      registers,
      collect() {
        const stats = sources()?.cache.stats();
        if (stats) this.set(stats.degraded ? 1 : 0);
      },
    });
    new Gauge({
      name: "recall_active_generations",
      help: "Replies being written right now on this instance.",
      registers,
      collect() {
        const current = sources();
        if (current) this.set(current.generations.activeCount);
      },
    });
    // Per host of the pool, labelled without credentials; the set of hosts is fixed by the settings.
    const poolHosts = () => sources()?.ollamaPool?.hostStates().map((state) => ({ ...state, host: hostLabel(state.url) })) ?? [];
    new Gauge({
      name: "recall_ollama_host_healthy",
      help: "1 while the Ollama pool routes calls to this host, 0 while it is out (failed; probed with backoff).",
      labelNames: ["host"] as const,
      registers,
      collect() {
        this.reset();
        for (const state of poolHosts()) this.set({ host: state.host }, state.healthy ? 1 : 0);
      },
    });
    new Gauge({
      name: "recall_ollama_host_running_calls",
      help: "Model calls (replies, summaries, embeddings) this instance runs on each Ollama host of the pool right now.",
      labelNames: ["host"] as const,
      registers,
      collect() {
        this.reset();
        for (const state of poolHosts()) this.set({ host: state.host }, state.running);
      },
    });
    new Gauge({
      name: "recall_active_chats",
      help: "Chats with a reply in the last 30 minutes on this instance.",
      registers,
      collect() {
        const current = sources();
        if (current) this.set(current.memory.snapshot().activeSessions);
      },
    });
  }
}

function replyOutcome(final: StreamEvent): ReplyOutcome {
  if (final.type === "done") return "done";
  if (final.type === "interrupted") return final.reason === "stopped" ? "stopped" : "interrupted";
  return "error";
}

/**
 * A counter whose total a service keeps (its `stats`): read at scrape time and only ever
 * counted upwards, so a source that drops back (Redis's fallback hits once it reconnects)
 * reads as no change rather than as a counter reset.
 */
function pulledCounter(registers: Registry[], name: string, help: string, labelName: string | null, read: () => Totals | null | undefined): void {
  const seen = new Map<string, number>();
  new Counter({
    name,
    help,
    labelNames: labelName ? [labelName] : [],
    registers,
    collect() {
      const totals = read();
      if (!totals) return;
      for (const [value, total] of Object.entries(totals)) {
        const increase = total - (seen.get(value) ?? 0);
        seen.set(value, total);
        if (labelName) this.inc({ [labelName]: value }, Math.max(0, increase));
        else this.inc(Math.max(0, increase));
      }
    },
  });
}
