/**
 * Memory upkeep and token accounting through the real server: users chat over HTTP with the
 * real tRPC client against the in-process fake Ollama, which counts every prompt with the real
 * Llama 3 tokenizer. Reports the model calls spent on memory per 100 turns, and for every reply
 * Ollama's prompt_eval_count against the budget the server planned, plus how well the server's
 * calibrated estimate tracks it.
 *
 * BENCH_UPKEEP_RUNS=default,wide,single,short runs a subset (and leaves the README alone).
 */
import { updateReadmeSection } from "./shared.ts";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { createTokenCounter } from "@recall/memory/tokens";
import type { RecallConfig } from "@recall/server";
import { markdownTable, percentile } from "./stats.ts";
import { defaultPlanOptions, lengthMix, planConversations, type PlannedUser, type PlanOptions } from "./upkeep/conversation-plan.ts";
import { runScenario, type ReplySample, type ScenarioResult } from "./upkeep/drive-chats.ts";

interface Scenario {
  key: string;
  label: string;
  /** What the users say; the default plan unless the row says otherwise. */
  plan?: PlanOptions;
  /** How the planned users are replayed; as planned by default. */
  reshape?: (users: PlannedUser[]) => PlannedUser[];
  config?: Partial<RecallConfig>;
}

/** All of one user's chats as a single chat: the most running-summary work a run of turns can cause. */
function oneLongChat(users: PlannedUser[]): PlannedUser[] {
  const first = users[0]!;
  return [{ seed: first.seed, chats: [first.chats.flat()] }];
}

const shortChats: PlanOptions = { ...defaultPlanOptions, chatsPerUser: 20, turnsPerChat: [3, 8] };

const scenarios: readonly Scenario[] = [
  { key: "default", label: "default config" },
  { key: "wide", label: "variant: 8,192-token cap", config: { maxContextTokens: 8192 } },
  { key: "single", label: "variant: one long chat", reshape: oneLongChat },
  { key: "short", label: `variant: short chats (${shortChats.chatsPerUser} per user, ${shortChats.turnsPerChat[0]}-${shortChats.turnsPerChat[1]} exchanges)`, plan: shortChats },
];

const requestedRuns = process.env.BENCH_UPKEEP_RUNS?.split(",").map((run) => run.trim());
const selected = scenarios.filter((scenario) => requestedRuns === undefined || requestedRuns.includes(scenario.key));
/** Replies whose estimate counts as "early": calibration has seen fewer than this many prompts. */
const earlyReplies = 5;
const lateReplies = 50;
/** The issue's target, and what a library that extracts memories after every turn spends. */
const upkeepTarget = 10;

const integer = (value: number): string => Math.round(value).toLocaleString("en-US");
const percent = (share: number): string => (Number.isFinite(share) ? `${(share * 100).toFixed(1)}%` : "n/a");
const percentWhole = (share: number): string => `${Math.round(share * 100)}%`;
const mean = (values: readonly number[]): number => (values.length === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / values.length);
const max = (values: readonly number[]): number => (values.length === 0 ? Number.NaN : Math.max(...values));

function range(values: readonly number[]): string {
  const low = Math.min(...values);
  const high = Math.max(...values);
  return low === high ? integer(low) : `${integer(low)}-${integer(high)}`;
}

function relativeError(sample: ReplySample): number {
  return Math.abs(sample.estimatedPromptTokens - sample.promptEvalCount) / sample.promptEvalCount;
}

function errorCell(samples: readonly ReplySample[]): string {
  const errors = samples.map(relativeError);
  return errors.length === 0 ? "n/a" : `${percent(mean(errors))} / ${percent(max(errors))}`;
}

function upkeepPerHundred(result: ScenarioResult): number {
  return ((result.summaryCalls.length + result.otherModelCalls.length) * 100) / result.turns;
}

function upkeepRow(label: string, result: ScenarioResult): Array<string | number> {
  const perHundred = upkeepPerHundred(result);
  const otherKinds = new Map<string, number>();
  for (const call of result.otherModelCalls) otherKinds.set(call.kind, (otherKinds.get(call.kind) ?? 0) + 1);
  const other = result.otherModelCalls.length === 0 ? "0" : `${result.otherModelCalls.length} (${[...otherKinds].map(([kind, count]) => `${count} "${kind}…"`).join(", ")})`;
  return [
    label,
    `${result.users} × ${(result.chats / result.users).toFixed(result.chats % result.users === 0 ? 0 : 1)}`,
    integer(result.turns),
    integer(result.replyCalls),
    integer(result.summaryCalls.length),
    other,
    `**${perHundred.toFixed(1)}**${perHundred <= upkeepTarget ? "" : " (over target)"}`,
    result.summaryCalls.length === 0
      ? "n/a"
      : `${result.summaryCalls.filter((call) => call.truncated).length} (max prompt ${integer(max(result.summaryCalls.map((call) => call.promptEvalCount ?? 0)))} / ${integer(max(result.summaryCalls.map((call) => call.numCtx ?? 0)))})`,
    result.summaryFailures,
  ];
}

function accountingRow(label: string, result: ScenarioResult): Array<string | number> {
  const ratios = result.samples.map((sample) => sample.promptEvalCount / sample.budget);
  const over = result.samples.filter((sample) => sample.promptEvalCount > sample.budget);
  // Flagged: the engine knew its floor did not fit. Unflagged: its own accounting went wrong.
  const unflagged = over.filter((sample) => !sample.assemblerOverBudget).length;
  return [
    label,
    range(result.samples.map((sample) => sample.numCtx)),
    range(result.samples.map((sample) => sample.budget)),
    integer(result.samples.length),
    `**${percent(max(ratios))}** / ${percent(percentile(ratios, 0.99))} / ${percent(mean(ratios))}`,
    over.length === 0 ? "**0**" : `**${over.length}** (${unflagged === 0 ? "all flagged by the assembler" : `${unflagged} not flagged`})`,
    percent(max(result.samples.map((sample) => sample.promptEvalCount / sample.numCtx))),
    result.samples.filter((sample) => sample.truncated).length,
    result.samples.filter((sample) => sample.assemblerOverBudget).length,
    result.samples.filter((sample) => sample.trimmedParts > 0).length,
  ];
}

function calibrationRow(label: string, result: ScenarioResult): Array<string | number> {
  // A truncated prompt's count is num_ctx (or what survived), not the prompt's size: no yardstick for the estimate.
  const counted = result.samples.filter((sample) => !sample.truncated);
  const under = counted.filter((sample) => sample.estimatedPromptTokens < sample.promptEvalCount);
  return [
    label,
    errorCell(counted.slice(0, earlyReplies)),
    errorCell(counted.slice(earlyReplies)),
    errorCell(counted.slice(-lateReplies)),
    `${under.length} (worst ${percent(max(under.map(relativeError)) || 0)})`,
  ];
}

function report(runs: Array<{ scenario: Scenario; result: ScenarioResult }>, totalTurnsPerUser: string): string {
  const upkeep = markdownTable(
    ["run", "users × chats", "turns", "reply calls", "running-summary calls", "other model calls", "**upkeep calls per 100 turns**", "summary prompts truncated (max prompt / num_ctx)", "summary failures"],
    runs.map(({ scenario, result }) => upkeepRow(scenario.label, result)),
  );
  const accounting = markdownTable(
    ["run", "num_ctx", "prompt budget", "replies", "**prompt_eval_count / budget: max** / p99 / mean", "over budget", "max prompt_eval_count / num_ctx", "truncated by Ollama", "assembler: minimum over budget", "replies with something trimmed"],
    runs.map(({ scenario, result }) => accountingRow(scenario.label, result)),
  );
  const calibration = markdownTable(
    ["run", `estimate error, first ${earlyReplies} replies: mean / max`, "after that: mean / max", `last ${lateReplies} replies: mean / max`, "estimates below Ollama's count (worst)"],
    runs.map(({ scenario, result }) => calibrationRow(scenario.label, result)),
  );
  const heading =
    `Memory upkeep and token accounting through the real server (HTTP, tRPC client, SQLite) and the fake Ollama, which counts every prompt with the real Llama 3 tokenizer ` +
    `plus 4 template tokens per message and 4 per prompt. ${defaultPlanOptions.seeds.length} users, each ${defaultPlanOptions.chatsPerUser} chats of ${defaultPlanOptions.turnsPerChat[0]}-${defaultPlanOptions.turnsPerChat[1]} exchanges ` +
    `from the seeded conversation generator with its questions asked in place (${totalTurnsPerUser} turns per user); about ${percentWhole(lengthMix.pasteShare)} of user messages carry a pasted document of ` +
    `${lengthMix.pasteTokens.join("-")} tokens, one per user a paste of about ${integer(lengthMix.oversizedPasteTokens)} tokens (longer than the default prompt budget), ` +
    `and about ${percentWhole(lengthMix.longReplyShare)} of replies run ${lengthMix.longReplyTokens.join("-")} tokens. Each turn waits for its reply and for background upkeep to finish; ` +
    `the server's default memory config unless the row says otherwise. ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, Node ${process.version}.`;
  const upkeepNotes =
    `A turn is one user message and its reply. Upkeep calls are every model call that is not a reply: running-summary updates (system prompt "You keep a running summary…") and any other ` +
    `(episodes, profile extraction, embeddings). Target: at most ${upkeepTarget} per 100 turns; a well-known memory library makes one per turn (100 per 100 turns). ` +
    `"One long chat" replays the first user's chats as a single chat: the most running-summary work a run of turns can cause.`;
  const accountingNotes =
    "The prompt budget is num_ctx minus the answer reserve (512 tokens by default), the room the server plans the prompt into; prompt_eval_count is what the fake Ollama reports for the prompt the server sent. " +
    "\"Over budget\" must be 0. \"Assembler: minimum over budget\" counts replies where even the system prompt, the last exchange and the new message did not fit and the engine said so; " +
    "an over-budget reply the assembler did not flag would be an accounting error.";
  const calibrationNotes =
    "Estimate error is |estimatedPromptTokens − prompt_eval_count| / prompt_eval_count, per reply, in the order the replies were sent (the calibration is per model and shared by every user and chat); " +
    "each estimate is made before that reply's count is learned. Replies Ollama truncated are left out here (their count is num_ctx or what survived, not the prompt's size). " +
    "An estimate below Ollama's count is the direction that could overflow the budget.";
  return [
    heading,
    "Model calls for memory upkeep:",
    upkeep,
    upkeepNotes,
    "Token accounting, every reply, by Ollama's count:",
    accounting,
    accountingNotes,
    "Calibration of the server's estimate against Ollama's count:",
    calibration,
    calibrationNotes,
  ].join("\n\n");
}

/** Every count, but only the replies worth a look in full: the whole run would be most of a megabyte. */
function rawRun(result: ScenarioResult): Record<string, unknown> {
  const { samples, summaryCalls, otherModelCalls, ...counts } = result;
  const tenth = Math.ceil(samples.length / 10);
  const counted = samples.filter((sample) => !sample.truncated);
  return {
    ...counts,
    summaryCalls: summaryCalls.length,
    summaryPromptTokens: summaryCalls.map((call) => call.promptEvalCount),
    otherModelCalls: otherModelCalls.map((call) => call.kind),
    // Mean relative estimate error per tenth of the run, in reply order: the calibration's course.
    estimateErrorByTenth: Array.from({ length: 10 }, (_, index) => mean(counted.filter((sample) => Math.floor(sample.order / tenth) === index).map(relativeError))),
    notableReplies: samples.filter((sample) => sample.promptEvalCount > sample.budget || sample.truncated || sample.assemblerOverBudget || sample.estimatedPromptTokens < sample.promptEvalCount),
  };
}

function reportFindings(label: string, result: ScenarioResult): void {
  for (const sample of result.samples.filter((candidate) => candidate.promptEvalCount > candidate.budget || candidate.truncated)) {
    console.warn(
      `${label}: reply ${sample.order + 1} (user seed ${sample.seed}, chat ${sample.chat + 1}, turn ${sample.turn + 1}): prompt_eval_count ${sample.promptEvalCount} against a budget of ${sample.budget} ` +
        `(num_ctx ${sample.numCtx}, estimate ${sample.estimatedPromptTokens}${sample.truncated ? ", truncated by Ollama" : ""}${sample.assemblerOverBudget ? ", assembler said over budget" : ""})`,
    );
  }
  for (const call of result.summaryCalls.filter((candidate) => candidate.truncated)) {
    console.warn(`${label}: a running-summary prompt of ${call.promptEvalCount} tokens was truncated at num_ctx ${call.numCtx}`);
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const llama3 = createTokenCounter("llama");
  if (llama3.tokenizer !== "llama3") throw new Error(`Expected the Llama 3 tokenizer, got ${llama3.tokenizer}.`);
  const plans = new Map<PlanOptions, PlannedUser[]>();
  const planFor = (options: PlanOptions): PlannedUser[] => {
    const users = plans.get(options) ?? planConversations(llama3, options);
    plans.set(options, users);
    return users;
  };
  const turnsPerUser = planFor(defaultPlanOptions).map((user) => user.chats.flat().length);
  const runs: Array<{ scenario: Scenario; result: ScenarioResult }> = [];
  for (const scenario of selected) {
    const planned = planFor(scenario.plan ?? defaultPlanOptions);
    const users = scenario.reshape ? scenario.reshape(planned) : planned;
    const result = await runScenario(users, { countTokens: (text) => llama3.count(text), ...(scenario.config ? { config: scenario.config } : {}) });
    reportFindings(scenario.label, result);
    console.log(`${scenario.label}: ${result.turns} turns in ${result.seconds.toFixed(1)} s`);
    runs.push({ scenario, result });
  }

  const output = `${report(runs, range(turnsPerUser))}\n`;
  console.log(`\n${output}`);
  console.log(`total: ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const resultsDir = new URL("./results/", import.meta.url).pathname;
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, "upkeep.md"), output);
  const raw = {
    date: new Date().toISOString(),
    node: process.version,
    cores: cpus().length,
    plan: defaultPlanOptions,
    turnsPerUser,
    runs: runs.map(({ scenario, result }) => ({
      key: scenario.key,
      label: scenario.label,
      plan: scenario.plan ?? defaultPlanOptions,
      config: scenario.config ?? {},
      upkeepPerHundredTurns: upkeepPerHundred(result),
      ...rawRun(result),
    })),
  };
  writeFileSync(join(resultsDir, "upkeep.json"), `${JSON.stringify(raw, null, 2)}\n`);
  if (requestedRuns === undefined) updateReadmeSection("upkeep", output);
}


await main();
