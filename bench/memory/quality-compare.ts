/**
 * Development tool, not part of `pnpm bench`: the quality part on any seeds and either style,
 * per question type, so engine changes can be tried on seeds other than the benchmark's.
 *
 *   npx tsx memory/quality-compare.ts                      # realistic, seeds 1-3 (the benchmark's)
 *   SEEDS=101-110 STYLE=plain npx tsx memory/quality-compare.ts
 *   STRATEGIES=bm25,recall BUDGETS=2000 npx tsx memory/quality-compare.ts
 */
import { createTokenCounter } from "@recall/memory/tokens";
import { questionTypes } from "./conversation-generator.ts";
import { measureEvidenceQuality, plainOptions, qualityBudgets, qualitySeeds, referenceOptions, strategies } from "./evidence-quality.ts";

function parseSeeds(text: string | undefined): number[] {
  if (text === undefined || text.trim() === "") return qualitySeeds;
  return text.split(",").flatMap((part) => {
    const [from, to] = part.split("-").map(Number);
    return to === undefined ? [from!] : Array.from({ length: to - from! + 1 }, (_, index) => from! + index);
  });
}

const seeds = parseSeeds(process.env.SEEDS);
const style = process.env.STYLE === "plain" ? "plain" : "realistic";
const wanted = process.env.STRATEGIES?.split(",");
const budgets = process.env.BUDGETS?.split(",").map(Number) ?? qualityBudgets;
const chosen = strategies.filter((strategy) => wanted === undefined || wanted.includes(strategy.key));
const tokenCounter = createTokenCounter("llama", { modelName: "llama3.2" });
const result = await measureEvidenceQuality(tokenCounter, { seeds, setOptions: style === "plain" ? plainOptions : referenceOptions, strategies: chosen, budgets });
const types = questionTypes.filter((type) => (result.questionsPerType[type] ?? 0) > 0);
console.log(`${style}, seeds ${seeds.join(",")}: ${result.questions} questions (${types.map((type) => `${type} ${result.questionsPerType[type]}`).join(", ")})`);
console.log(["budget", "strategy", "all", ...types, "stale", "tokens", "over"].join(" | "));
for (const cell of result.cells) {
  const row = (type: string): string => {
    const found = cell.rows.find((candidate) => candidate.type === type)!;
    return `${Math.round(found.share * 100)}%`;
  };
  const all = cell.rows.find((candidate) => candidate.type === "all")!;
  console.log([cell.budgetTokens, cell.strategy, `${row("all")} (${all.covered}/${all.questions})`, ...types.map(row), all.staleOnly, Math.round(cell.meanTokens), cell.overBudget].join(" | "));
}
