/**
 * Context assembly time per reply as the history grows: the recall search, exchange pairing
 * and the assembly with exact Llama 3 counts. The index is built once per history, as the
 * server keeps one per user; its build time is reported on its own.
 */
import { RecallIndex } from "@recall/memory";
import { createTokenCounter } from "@recall/memory/tokens";
import { percentile } from "../stats.ts";
import { generateConversationSet } from "./conversation-generator.ts";
import { assembleRecall, assembleTrimMessages, recallLimitBefore, type ContextRequest, type StrategyTools } from "./context-strategies.ts";
import { qualitySeeds, referenceOptions } from "./evidence-quality.ts";
import { createRandom } from "./random.ts";
import { generateLongChat } from "./token-savings.ts";

/** 6,000 is where the issue sets its target (p50 <= 5 ms, p99 <= 25 ms). */
export const historyLengths = [10, 100, 1000, 6000, 10_000];
const timingSeed = 7;
export const warmUpRuns = 50;
const timedRuns = 1000;
const buildRepeats = 5;
/** trimMessages is slow on long histories (seconds a call): fewer runs there keep the benchmark within minutes. */
const trimMessagesRuns = (length: number): number => (length <= 100 ? 200 : length <= 1000 ? 20 : length <= 6000 ? 3 : 1);

export interface TimingRow {
  messages: number;
  indexBuildMs: number;
  p50Ms: number;
  p99Ms: number;
  searchP50Ms: number;
  runs: number;
  /** The peer on the same input, with fewer runs on long histories. */
  trimMessagesP50Ms: number;
  trimMessagesRuns: number;
}

export async function measureAssemblyTime(budgetTokens: number): Promise<TimingRow[]> {
  const chat = generateLongChat(timingSeed, Math.max(...historyLengths) + 2);
  const random = createRandom(timingSeed);
  // Each run asks something different: the benchmark's questions and things the user said in the chat.
  const questions = qualitySeeds.flatMap((seed) => generateConversationSet({ seed, ...referenceOptions }).questions.map((question) => question.text));
  const userTexts = chat.filter((message) => message.role === "user").map((message) => message.content);
  const queries = Array.from({ length: warmUpRuns + timedRuns }, (_, run) => (run % 2 === 0 ? random.pick(questions) : random.pick(userTexts)));

  const rows: TimingRow[] = [];
  for (const length of historyLengths) {
    const history = chat.slice(0, length);
    const buildTimes: number[] = [];
    let index = new RecallIndex();
    for (let repeat = 0; repeat < buildRepeats; repeat += 1) {
      const started = performance.now();
      index = new RecallIndex();
      for (const message of history) index.add(message);
      buildTimes.push(performance.now() - started);
    }
    // A fresh counter per history, kept across its runs as the server keeps one per model.
    const tools: StrategyTools = { tokenCounter: createTokenCounter("llama", { modelName: "llama3.2" }), index, messagesById: new Map(history.map((message) => [message.id, message])) };
    // The whole chat goes in, as the server passes it: picking the buffer out of it is part of the cost.
    const request = (query: string): ContextRequest => ({ history, chat: history, sessionId: chat[0]!.sessionId, userMessage: query, budgetTokens });

    const assemblyTimes: number[] = [];
    const searchTimes: number[] = [];
    queries.forEach((query, run) => {
      const searchStarted = performance.now();
      const results = index.search(query, { limit: recallLimitBefore, includeOtherSessions: true });
      index.expandToExchanges(results);
      const started = performance.now();
      assembleRecall(request(query), tools);
      const finished = performance.now();
      if (run < warmUpRuns) return;
      searchTimes.push(started - searchStarted);
      assemblyTimes.push(finished - started);
    });

    // Every message counted once first, so trimMessages is not charged for a cold memo either.
    for (const message of history) tools.tokenCounter.count(message.content);
    const trimTimes: number[] = [];
    for (let run = 0; run < trimMessagesRuns(length); run += 1) {
      const started = performance.now();
      await assembleTrimMessages(request(queries[run]!), tools);
      trimTimes.push(performance.now() - started);
    }

    rows.push({
      messages: length,
      indexBuildMs: percentile(buildTimes, 0.5),
      p50Ms: percentile(assemblyTimes, 0.5),
      p99Ms: percentile(assemblyTimes, 0.99),
      searchP50Ms: percentile(searchTimes, 0.5),
      runs: assemblyTimes.length,
      trimMessagesP50Ms: percentile(trimTimes, 0.5),
      trimMessagesRuns: trimTimes.length,
    });
    console.log(`assembly time at ${length} messages: done`);
  }
  return rows;
}
