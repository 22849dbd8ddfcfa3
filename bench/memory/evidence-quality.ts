/**
 * Memory quality without an LLM: for every generated question, each strategy fills a budget
 * from the history before it, and the question counts as covered when all of its evidence
 * turns are in that context verbatim.
 */
import { RecallIndex, type TokenCounter } from "@recall/memory";
import { generateConversationSet, questionTypes, type ConversationSetOptions, type GeneratedMessage, type GeneratedQuestion } from "./conversation-generator.ts";
import { scoreEvidenceCoverage, type CoverageRow } from "./evidence-coverage.ts";
import {
  assembleBm25,
  assembleRecall,
  assembleRecency,
  assembleTrimMessages,
  bufferSize,
  assembleRecallBefore,
  recallLimitBefore,
  type AssembledPrompt,
  type ContextRequest,
  type StrategyTools,
} from "./context-strategies.ts";

export const qualitySeeds = [1, 2, 3];
export const qualityBudgets = [1000, 2000, 4000];
const defaultBudgets = qualityBudgets;
/** The reference options of bench/memory/README.md: realistic sets, five questions per type. */
export const referenceOptions: Omit<ConversationSetOptions, "seed"> = {
  sessions: 20,
  turnsPerSession: [8, 20],
  startDate: new Date("2026-01-05T09:00:00Z"),
  questionCount: 45,
  style: "realistic",
};
/** The sets of the tables before realistic sets (2026-11-21 and earlier): plain style, 40 questions. */
export const plainOptions: Omit<ConversationSetOptions, "seed"> = { ...referenceOptions, questionCount: 40, style: "plain" };

export interface QualityOptions {
  seeds?: readonly number[];
  setOptions?: Omit<ConversationSetOptions, "seed">;
  strategies?: readonly Strategy[];
  budgets?: readonly number[];
}

/** A request with the moment the question is asked: the question's time, never the clock. */
export interface TimedContextRequest extends ContextRequest {
  askedAt: Date;
}

export interface Strategy {
  key: string;
  label: string;
  assemble: (request: TimedContextRequest, tools: StrategyTools) => AssembledPrompt | Promise<AssembledPrompt>;
}

export const strategies: readonly Strategy[] = [
  { key: "recency", label: "recency (most recent messages that fit)", assemble: assembleRecency },
  { key: "bm25", label: "plain BM25 over messages", assemble: assembleBm25 },
  { key: "trim-messages", label: "LangChain.js trimMessages (last)", assemble: assembleTrimMessages },
  { key: "recall-before", label: `Recall's layout before this issue (memory first, buffer ${bufferSize}, recall ${recallLimitBefore})`, assemble: assembleRecallBefore },
  { key: "recall", label: `**Recall** (fresh layout: buffer up to ${bufferSize}, recall fills the budget, question time)`, assemble: assembleRecall },
];

const defaultStrategies = strategies;

export interface QualityCell {
  strategy: string;
  budgetTokens: number;
  rows: CoverageRow[];
  meanTokens: number;
  overBudget: number;
  /** Evidence turns a strategy claimed but the prompt did not hold verbatim, or the reverse: should stay 0. */
  idMismatches: number;
  seconds: number;
}

export interface QualityResult {
  cells: QualityCell[];
  questions: number;
  questionsPerType: Record<string, number>;
  messagesPerSet: number[];
  tokensPerSet: number[];
}

export async function measureEvidenceQuality(tokenCounter: TokenCounter, options: QualityOptions = {}): Promise<QualityResult> {
  const seeds = options.seeds ?? qualitySeeds;
  const setOptions = options.setOptions ?? referenceOptions;
  const strategies = options.strategies ?? defaultStrategies;
  const qualityBudgets = options.budgets ?? defaultBudgets;
  const cells = new Map<string, { contexts: Map<GeneratedQuestion, Set<string>>; tokens: number; overBudget: number; idMismatches: number; seconds: number }>();
  const cellKey = (strategy: string, budget: number): string => `${strategy}@${budget}`;
  for (const strategy of strategies) {
    for (const budget of qualityBudgets) cells.set(cellKey(strategy.key, budget), { contexts: new Map(), tokens: 0, overBudget: 0, idMismatches: 0, seconds: 0 });
  }
  const allQuestions: GeneratedQuestion[] = [];
  const messagesPerSet: number[] = [];
  const tokensPerSet: number[] = [];

  for (const seed of seeds) {
    const set = generateConversationSet({ seed, ...setOptions });
    const messages = set.sessions.flatMap((session) => session.messages).sort((left, right) => left.createdAt.getTime() - right.createdAt.getTime());
    messagesPerSet.push(messages.length);
    tokensPerSet.push(messages.reduce((sum, message) => sum + tokenCounter.count(message.content), 0));
    const messagesById = new Map(messages.map((message) => [message.id, message]));
    // One index that grows as the questions move forward in time, as the server's does.
    const index = new RecallIndex();
    let indexed = 0;
    for (const question of set.questions) {
      while (indexed < messages.length && messages[indexed]!.createdAt < question.askedAt) index.add(messages[indexed++]!);
      allQuestions.push(question);
      const history = messages.slice(0, indexed);
      for (const budget of qualityBudgets) {
        for (const strategy of strategies) {
          const cell = cells.get(cellKey(strategy.key, budget))!;
          const started = performance.now();
          const prompt = await strategy.assemble({ history, sessionId: question.askedInSessionId, userMessage: question.text, budgetTokens: budget, askedAt: question.askedAt }, { tokenCounter, index, messagesById });
          cell.seconds += (performance.now() - started) / 1000;
          const { present, mismatches } = verbatimEvidence(prompt, question, messagesById);
          cell.contexts.set(question, present);
          cell.tokens += prompt.totalTokens;
          if (prompt.totalTokens > budget) cell.overBudget += 1;
          cell.idMismatches += mismatches;
        }
      }
    }
  }

  const results: QualityCell[] = [];
  for (const budget of qualityBudgets) {
    for (const strategy of strategies) {
      const cell = cells.get(cellKey(strategy.key, budget))!;
      results.push({
        strategy: strategy.key,
        budgetTokens: budget,
        rows: scoreEvidenceCoverage(allQuestions, (question) => cell.contexts.get(question) ?? new Set()),
        meanTokens: cell.tokens / allQuestions.length,
        overBudget: cell.overBudget,
        idMismatches: cell.idMismatches,
        seconds: cell.seconds,
      });
    }
  }
  const questionsPerType = Object.fromEntries(questionTypes.map((type) => [type, allQuestions.filter((question) => question.type === type).length]));
  return { cells: results, questions: allQuestions.length, questionsPerType, messagesPerSet, tokensPerSet };
}

/**
 * The evidence and outdated turns whose whole text is in the prompt. A strategy's own list of
 * ids must agree with the text; any disagreement is counted so a bookkeeping bug shows.
 */
function verbatimEvidence(prompt: AssembledPrompt, question: GeneratedQuestion, messagesById: ReadonlyMap<string, GeneratedMessage>): { present: Set<string>; mismatches: number } {
  const text = prompt.messages.map((message) => message.content).join("\n");
  const claimed = new Set(prompt.messageIds);
  const present = new Set<string>();
  let mismatches = 0;
  for (const id of [...question.evidenceMessageIds, ...question.supersededMessageIds]) {
    const content = messagesById.get(id)?.content.trim() ?? "";
    const inText = content.length > 0 && text.includes(content);
    if (inText !== claimed.has(id)) mismatches += 1;
    if (inText && claimed.has(id)) present.add(id);
  }
  return { present, mismatches };
}
