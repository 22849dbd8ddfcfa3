/**
 * What a local model pays for each strategy's prompts: multi-session chats replayed turn by
 * turn against the fake Ollama in its faithful cost mode (Llama 3 template and tokenizer, one
 * KV cache per slot, reuse of the longest common prefix, reloads on differing runner options).
 * Recall runs as the real server; the baselines call Ollama's API with their own prompts.
 * Times are simulated from the token counts for two hardware profiles.
 *
 * BENCH_COST_SCENARIOS=single,long,shared,slots,slots-multiuser runs a subset (written to cost.subset.{md,json}; the README and cost.{md,json} keep the full run).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { createTokenCounter } from "@recall/memory/tokens";
import { markdownTable, percentile } from "./stats.ts";
import { updateReadmeSection } from "./shared.ts";
import { longChatUser, multiSessionUser, type ReplayUser } from "./cost/replay-data.ts";
import { llamaTokenize, replayBaseline, replayRecall, type ReplayConfig, type ReplayResult, type TurnCost } from "./cost/replay.ts";
import { langchainTrimMessages, recallBefore, slidingWindow, wholeChat, type BaselineStrategy, type StrategySettings } from "./cost/strategies.ts";
import { bufferSize, recallLimitBefore, systemPrompt } from "./memory/context-strategies.ts";

/** Llama 3.2 on a laptop: the profiles. Load time is what a reload costs (weights from the page cache). */
const profiles = {
  cpu: { label: "laptop CPU", prefillPerSecond: 100, decodePerSecond: 10, loadMs: 3000 },
  gpu: { label: "GPU", prefillPerSecond: 3000, decodePerSecond: 80, loadMs: 1500 },
} as const;
type Profile = (typeof profiles)[keyof typeof profiles];

const numCtx = 2000;
/** num_ctx minus Recall's default answer reserve of 512. */
const budgetTokens = 1488;

const counter = createTokenCounter("llama", { modelName: "llama3.2" });
const settings: StrategySettings = { systemPrompt, budgetTokens, bufferSize, recallLimit: recallLimitBefore, counter };

interface Scenario {
  key: string;
  label: string;
  numParallel: number;
  multiUserCache?: boolean;
  /** Each entry is replayed on its own fresh model (its users interleaved turn by turn). */
  runs: ReplayUser[][];
}

const trimSessions = (user: ReplayUser, sessions: number): ReplayUser => ({ ...user, chats: user.chats.slice(0, sessions) });
const tenUsers = (): ReplayUser[] => Array.from({ length: 10 }, (_, index) => trimSessions(multiSessionUser(index + 1), 5));

const scenarios: Scenario[] = [
  { key: "single", label: "one user, 20 chats (multi-session set, seed 1), 1 slot", numParallel: 1, runs: [[multiSessionUser(1)]] },
  { key: "long", label: "one long chat of 200 messages (seeds 11-13, each on its own), 1 slot", numParallel: 1, runs: [11, 12, 13].map((seed) => [longChatUser(seed, 200)]) },
  { key: "shared", label: "10 users interleaved turn by turn (5 chats each), 1 slot", numParallel: 1, runs: [tenUsers()] },
  {
    key: "slots",
    label: "10 users interleaved turn by turn (5 chats each), 4 slots (OLLAMA_NUM_PARALLEL=4; Ollama's default slot choice takes the longest common prefix, and the shared system prompt makes that slot 0 for everyone)",
    numParallel: 4,
    runs: [tenUsers()],
  },
  {
    key: "slots-multiuser",
    label: "10 users interleaved turn by turn (5 chats each), 4 slots with OLLAMA_MULTIUSER_CACHE=1 (least recently used slot for a new sequence)",
    numParallel: 4,
    multiUserCache: true,
    runs: [tenUsers()],
  },
];

const baselines: Array<(settings: StrategySettings) => BaselineStrategy> = [wholeChat, slidingWindow, langchainTrimMessages, recallBefore];
const strategyLabels: Record<string, string> = {
  "whole-chat": "whole chat (Ollama cuts the front past num_ctx)",
  "sliding-window": `sliding window (last ${bufferSize} messages)`,
  "trim-messages": "LangChain.js trimMessages (last, to the budget)",
  "recall-before": "Recall before this issue (memory first, sliding buffer)",
  recall: "**Recall** (this issue: stable prefix, real server with its upkeep)",
};
/** The memory benchmark's rows that stand for the same context: evidence in context at 2,000 tokens. */
const evidenceRows: Record<string, string> = { "whole-chat": "recency", "trim-messages": "trim-messages", "recall-before": "recall-before", recall: "recall" };

const turnColumns = ["userIndex", "position", "firstInChat", "fullHistoryTokens", "wholeChatFits", "promptTokens", "cachedTokens", "prefilledTokens", "reloaded", "truncated", "layout"] as const satisfies ReadonlyArray<keyof TurnCost>;

const requested = process.env.BENCH_COST_SCENARIOS?.split(",").map((part) => part.trim());

function ttftMs(turn: TurnCost, profile: Profile): number {
  return (turn.reloaded ? profile.loadMs : 0) + (turn.prefilledTokens * 1000) / profile.prefillPerSecond + 1000 / profile.decodePerSecond;
}

const mean = (values: readonly number[]): number => (values.length === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / values.length);
const integer = (value: number): string => (Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "n/a");
const percent = (share: number): string => (Number.isFinite(share) ? `${Math.round(share * 100)}%` : "n/a");
const seconds = (milliseconds: number): string => (Number.isFinite(milliseconds) ? (milliseconds / 1000).toFixed(1) : "n/a");

function cacheShare(turns: readonly TurnCost[]): number {
  const prompt = turns.reduce((sum, turn) => sum + turn.promptTokens, 0);
  return prompt === 0 ? Number.NaN : turns.reduce((sum, turn) => sum + turn.cachedTokens, 0) / prompt;
}

function evidenceAt2000(): Record<string, number> {
  const path = new URL("./results/memory.json", import.meta.url).pathname;
  if (!existsSync(path)) return {};
  const raw = JSON.parse(readFileSync(path, "utf8")) as { quality?: { cells: Array<{ strategy: string; budgetTokens: number; rows: Array<{ type: string; share: number }> }> } };
  const shares: Record<string, number> = {};
  for (const cell of raw.quality?.cells ?? []) {
    if (cell.budgetTokens !== 2000) continue;
    const all = cell.rows.find((row) => row.type === "all");
    if (all) shares[cell.strategy] = all.share;
  }
  return shares;
}

async function runScenario(scenario: Scenario): Promise<ReplayResult[]> {
  const config: ReplayConfig = { settings, numCtx, numParallel: scenario.numParallel, multiUserCache: scenario.multiUserCache ?? false, tokenize: llamaTokenize };
  const results: ReplayResult[] = [];
  const merge = (parts: ReplayResult[]): ReplayResult => ({
    strategy: parts[0]!.strategy,
    turns: parts.flatMap((part) => part.turns),
    upkeepCalls: parts.reduce((sum, part) => sum + part.upkeepCalls, 0),
    reloads: parts.reduce((sum, part) => sum + part.reloads, 0),
    seconds: parts.reduce((sum, part) => sum + part.seconds, 0),
  });
  for (const make of baselines) {
    const parts: ReplayResult[] = [];
    for (const users of scenario.runs) parts.push(await replayBaseline(users, config, make));
    results.push(merge(parts));
    console.log(`  ${scenario.key} ${results.at(-1)!.strategy}: ${results.at(-1)!.turns.length} turns in ${results.at(-1)!.seconds.toFixed(1)} s`);
  }
  const parts: ReplayResult[] = [];
  for (const users of scenario.runs) parts.push(await replayRecall(users, config, "recall"));
  results.push(merge(parts));
  console.log(`  ${scenario.key} recall: ${results.at(-1)!.turns.length} turns in ${results.at(-1)!.seconds.toFixed(1)} s`);
  return results;
}

function costTable(results: readonly ReplayResult[], evidence: Record<string, number>): string {
  const rows = results.map((result) => {
    const continuing = result.turns.filter((turn) => !turn.firstInChat);
    const cpu = result.turns.map((turn) => ttftMs(turn, profiles.cpu));
    const gpu = result.turns.map((turn) => ttftMs(turn, profiles.gpu));
    const label = strategyLabels[result.strategy] ?? result.strategy;
    const evidenceKey = evidenceRows[result.strategy];
    return [
      label,
      integer(mean(result.turns.map((turn) => turn.promptTokens))),
      integer(mean(result.turns.map((turn) => turn.prefilledTokens))),
      percent(cacheShare(continuing)),
      ((100 * result.reloads) / Math.max(1, result.turns.length)).toFixed(1),
      `${seconds(percentile(cpu, 0.5))} / ${seconds(percentile(cpu, 0.95))}`,
      `${seconds(percentile(gpu, 0.5))} / ${seconds(percentile(gpu, 0.95))}`,
      evidenceKey !== undefined && evidence[evidenceKey] !== undefined ? percent(evidence[evidenceKey]!) : "—",
      result.upkeepCalls,
    ];
  });
  return markdownTable(
    ["strategy", "mean prompt tokens", "mean prefilled tokens per turn", "served from cache (continuing turns)", "reloads per 100 turns", "TTFT p50 / p95, CPU (s)", "TTFT p50 / p95, GPU (s)", "evidence in context at 2,000", "upkeep model calls"],
    rows,
  );
}

interface TargetLine {
  target: string;
  figure: string;
  met: boolean;
}

function targets(scenario: string, results: readonly ReplayResult[]): TargetLine[] {
  const recall = results.find((result) => result.strategy === "recall");
  const whole = results.find((result) => result.strategy === "whole-chat");
  if (!recall || !whole) return [];
  const others = results.filter((result) => result !== recall && result.strategy !== "recall");
  const lines: TargetLine[] = [];
  const continuing = cacheShare(recall.turns.filter((turn) => !turn.firstInChat));
  lines.push({ target: "served from cache on continuing turns >= 85%", figure: percent(continuing), met: continuing >= 0.85 });

  const fitting = (result: ReplayResult) => result.turns.filter((turn) => turn.wholeChatFits && !turn.firstInChat);
  const recallFitting = mean(fitting(recall).map((turn) => turn.prefilledTokens));
  const wholeFitting = mean(fitting(whole).map((turn) => turn.prefilledTokens));
  if (fitting(recall).length > 0) {
    lines.push({ target: "prefilled per turn <= 1.5 x whole chat while the whole chat fits", figure: `${integer(recallFitting)} vs ${integer(wholeFitting)} (${(recallFitting / wholeFitting).toFixed(2)} x)`, met: recallFitting <= 1.5 * wholeFitting });
  }
  const over = (result: ReplayResult) => result.turns.filter((turn) => !turn.wholeChatFits);
  if (over(recall).length > 0) {
    const recallOver = mean(over(recall).map((turn) => turn.prefilledTokens));
    const best = others.map((result) => ({ key: result.strategy, value: mean(over(result).map((turn) => turn.prefilledTokens)) })).toSorted((left, right) => left.value - right.value)[0]!;
    lines.push({ target: "prefilled per turn once the whole chat no longer fits: fewer than every other strategy", figure: `${integer(recallOver)} vs best other ${integer(best.value)} (${best.key})`, met: recallOver < best.value });
  }
  lines.push({ target: "reloads caused by Recall: 0", figure: String(recall.reloads), met: recall.reloads === 0 });

  const at = (result: ReplayResult, low: number, high: number) => result.turns.filter((turn) => turn.position >= low && turn.position <= high && !turn.firstInChat);
  if (at(recall, 16, 24).length > 0) {
    const recall20 = percentile(at(recall, 16, 24).map((turn) => ttftMs(turn, profiles.cpu)), 0.5);
    const whole20 = percentile(at(whole, 16, 24).map((turn) => ttftMs(turn, profiles.cpu)), 0.5);
    lines.push({ target: "CPU TTFT p50 at about 20 messages (16-24) <= 1.5 x whole chat", figure: `${seconds(recall20)} s vs ${seconds(whole20)} s`, met: recall20 <= 1.5 * whole20 });
  }
  if (at(recall, 50, Infinity).length > 0) {
    const recall50 = percentile(at(recall, 50, Infinity).map((turn) => ttftMs(turn, profiles.cpu)), 0.5);
    const best = others.map((result) => ({ key: result.strategy, value: percentile(at(result, 50, Infinity).map((turn) => ttftMs(turn, profiles.cpu)), 0.5) })).toSorted((left, right) => left.value - right.value)[0]!;
    lines.push({ target: "CPU TTFT p50 from 50 messages on: better than every strategy", figure: `${seconds(recall50)} s vs best other ${seconds(best.value)} s (${best.key})`, met: recall50 < best.value });
    const read50 = mean(at(recall, 48, 52).map((turn) => turn.prefilledTokens));
    const full50 = mean(at(recall, 48, 52).map((turn) => turn.fullHistoryTokens));
    lines.push({ target: "tokens read per turn at about 50 messages, against the full history: >= 80% fewer", figure: `${integer(read50)} vs ${integer(full50)} (${percent(1 - read50 / full50)} fewer)`, met: read50 <= 0.2 * full50 });
  }
  return lines.map((line) => ({ ...line, target: `${scenario}: ${line.target}` }));
}

async function main(): Promise<void> {
  const started = performance.now();
  const evidence = evidenceAt2000();
  const sections: string[] = [];
  const raw: Record<string, unknown> = { date: new Date().toISOString(), node: process.version, cores: cpus().length, numCtx, budgetTokens, profiles };
  const allTargets: TargetLine[] = [];
  for (const scenario of scenarios) {
    if (requested !== undefined && !requested.includes(scenario.key)) continue;
    console.log(`scenario ${scenario.key}`);
    const results = await runScenario(scenario);
    // One compact row per turn (see turnColumns), so the raw file stays small enough to keep in git.
    raw[scenario.key] = results.map((result) => ({
      strategy: result.strategy,
      upkeepCalls: result.upkeepCalls,
      reloads: result.reloads,
      seconds: result.seconds,
      turnColumns,
      turns: result.turns.map((turn) => turnColumns.map((column) => (typeof turn[column] === "boolean" ? Number(turn[column]) : (turn[column] ?? null)))),
    }));
    const turns = results[0]?.turns.length ?? 0;
    sections.push(`**${scenario.label}**, ${integer(turns)} turns:\n\n${costTable(results, evidence)}`);
    allTargets.push(...targets(scenario.key, results));
  }
  const targetTable = markdownTable(
    ["target", "measured", "met"],
    allTargets.map((line) => [line.target, line.figure, line.met ? "yes" : "**no**"]),
  );
  const heading =
    `Local model cost, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}: every strategy's prompts replayed turn by turn against the fake Ollama in its faithful cost mode ` +
    `(Llama 3 chat template and tokenizer, the KV cache of each slot reused up to the longest common prefix, reloads when runner options differ), num_ctx ${integer(numCtx)}, prompt budget ${integer(budgetTokens)}. ` +
    `Recall is the real server (HTTP, tRPC, SQLite) with its upkeep calls (summaries, episodes) on the same model and slots; the baselines send their prompts to Ollama's API. ` +
    `Time to first token is simulated from the token counts: ${profiles.cpu.label} prefill ${profiles.cpu.prefillPerSecond} tokens/s, decode ${profiles.cpu.decodePerSecond} tokens/s, reload ${profiles.cpu.loadMs / 1000} s; ` +
    `${profiles.gpu.label} prefill ${profiles.gpu.prefillPerSecond} tokens/s, decode ${profiles.gpu.decodePerSecond} tokens/s, reload ${profiles.gpu.loadMs / 1000} s. Users take turns one at a time (no queueing). ` +
    `"Served from cache" counts prompt tokens of turns after a chat's first. Evidence in context is the memory benchmark's figure at 2,000 tokens for the same way of filling the context.`;
  const output = `${heading}\n\n${sections.join("\n\n")}\n\nTargets:\n\n${targetTable}\n`;
  console.log(`\n${output}`);
  console.log(`total: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  // A subset is for development: the saved tables and the README keep the full run.
  const resultsDir = new URL("./results/", import.meta.url).pathname;
  mkdirSync(resultsDir, { recursive: true });
  const suffix = requested === undefined ? "" : ".subset";
  writeFileSync(join(resultsDir, `cost${suffix}.md`), output);
  writeFileSync(join(resultsDir, `cost${suffix}.json`), `${JSON.stringify(raw)}\n`);
  if (requested === undefined) updateReadmeSection("cost", output);
}

await main();
