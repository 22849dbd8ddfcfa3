import { beforeEach, describe, expect, it } from "vitest";
import type { CacheStats } from "../cache/memory-cache.ts";
import { limitNames, RecallMetrics, type MetricsSources } from "./recall-metrics.ts";

let metrics: RecallMetrics;

beforeEach(() => {
  metrics = new RecallMetrics();
});

async function valuesOf(name: string): Promise<Array<{ labels: Record<string, string | number>; value: number }>> {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  return (await metric.get()).values.map(({ labels, value }) => ({ labels: labels as Record<string, string | number>, value }));
}

async function valueOf(name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const values = await valuesOf(name);
  return values.find((entry) => Object.entries(labels).every(([key, value]) => entry.labels[key] === value))?.value;
}

describe("RecallMetrics", () => {
  it("keeps a registry per instance, so servers in one process do not share counts", async () => {
    const other = new RecallMetrics();
    metrics.limitRejected("messages_per_second");
    expect(await valueOf("recall_limit_rejections_total", { limit: "messages_per_second" })).toBe(1);
    expect(await other.registry.getSingleMetric("recall_limit_rejections_total")!.get()).toMatchObject({
      values: expect.arrayContaining([expect.objectContaining({ labels: { limit: "messages_per_second" }, value: 0 })]),
    });
    expect(await metrics.render()).toContain("process_cpu_user_seconds_total");
  });

  it("starts every limit and reply outcome at 0", async () => {
    const limits = await valuesOf("recall_limit_rejections_total");
    expect(limits.map((entry) => entry.labels.limit).sort()).toEqual([...limitNames].sort());
    expect((await valuesOf("recall_replies_total")).map((entry) => entry.labels.outcome).sort()).toEqual(["done", "error", "interrupted", "stopped"]);
  });

  it("counts moderation by role and category, and never puts text in the category", async () => {
    metrics.moderationBlocked("user", "S1");
    metrics.moderationBlocked("user", "S1");
    metrics.moderationBlocked("assistant", "this is what the user wrote");
    metrics.moderationFailed("failed_open");
    expect(await valueOf("recall_moderation_blocks_total", { role: "user", category: "S1" })).toBe(2);
    expect(await valueOf("recall_moderation_blocks_total", { role: "assistant", category: "other" })).toBe(1);
    expect(await valueOf("recall_moderation_errors_total", { outcome: "failed_open" })).toBe(1);
    expect(await metrics.render()).not.toContain("what the user wrote");
  });

  it("times the first token and counts tokens per model; a model that never answered gets no label", async () => {
    const reply = metrics.replyStarted("llama3.2");
    reply.received({ type: "delta", text: "Hello" });
    reply.received({ type: "delta", text: " there" });
    reply.received({ type: "done", doneReason: "stop", promptTokens: 40, completionTokens: 2, totalDurationNs: null, evalDurationNs: null });
    reply.finished({ type: "done", promptTokens: 40, completionTokens: 2, doneReason: "stop" });

    const missing = metrics.replyStarted("no such model, typed by a user");
    missing.finished({ type: "error", code: "MODEL_NOT_FOUND", message: "Model not found." });
    metrics.replyStarted("llama3.2").finished({ type: "interrupted", reason: "stopped" });
    metrics.replyStarted("llama3.2").finished({ type: "interrupted", reason: "shutdown" });

    expect(await valueOf("recall_prompt_tokens_total", { model: "llama3.2" })).toBe(40);
    expect(await valueOf("recall_completion_tokens_total", { model: "llama3.2" })).toBe(2);
    const text = await metrics.render();
    expect(text).toMatch(/recall_reply_first_token_seconds_count\{model="llama3.2"\} 1/);
    expect(text).toMatch(/recall_reply_stream_seconds_count\{model="llama3.2"\} 1/);
    expect(text).not.toContain("typed by a user");
    for (const outcome of ["done", "error", "stopped", "interrupted"]) expect(await valueOf("recall_replies_total", { outcome })).toBe(1);
  });

  it("reads upkeep and cache totals at scrape time, and never counts down when a source drops back", async () => {
    const cache: CacheStats = { backend: "redis", degraded: false, hits: 5, misses: 2, errors: 0 };
    const sources: MetricsSources = {
      cache: { stats: () => cache },
      summaries: { stats: { runs: 3, failures: 1 } },
      episodes: { stats: { written: 2, failures: 1 } },
      generations: { activeCount: 4 },
      memory: { snapshot: () => ({ activeSessions: 7 }) },
    };
    metrics.observe(sources);
    expect(await valueOf("recall_upkeep_calls_total", { kind: "summary" })).toBe(3);
    expect(await valueOf("recall_upkeep_calls_total", { kind: "episode" })).toBe(3);
    expect(await valueOf("recall_upkeep_failures_total", { kind: "episode" })).toBe(1);
    expect(await valueOf("recall_conversation_cache_lookups_total", { result: "hit" })).toBe(5);
    expect(await valueOf("recall_active_generations")).toBe(4);
    expect(await valueOf("recall_active_chats")).toBe(7);

    // Redis came back: the fallback's hits leave the cache's own total.
    Object.assign(cache, { hits: 1, degraded: false });
    expect(await valueOf("recall_conversation_cache_lookups_total", { result: "hit" })).toBe(5);
    Object.assign(cache, { hits: 4 });
    expect(await valueOf("recall_conversation_cache_lookups_total", { result: "hit" })).toBe(8);
  });

  it("labels HTTP requests by method, route and status class", async () => {
    metrics.httpRequest("POST", "/trpc/message.send", 200, 0.01);
    metrics.httpRequest("PROPFIND", "(unmatched)", 404, 0.001);
    const text = await metrics.render();
    expect(text).toContain('recall_http_request_duration_seconds_count{method="POST",route="/trpc/message.send",status_class="2xx"} 1');
    expect(text).toContain('recall_http_request_duration_seconds_count{method="other",route="(unmatched)",status_class="4xx"} 1');
  });
});
