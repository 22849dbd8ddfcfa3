import { chunkDocument, defaultJudgeOptions, type DocumentChunk, type JudgePassagesOptions } from "@recall/documents";
import { bm25Ranker, evaluateJudgement, evaluateRanker, substringRanker, type EvaluationSet, type Ranker } from "./evaluate.ts";
import { generateRetrievalSet, type NamedDocument } from "./generate.ts";
import { loadSquadRetrievalSet } from "./squad/load.ts";

/**
 * Retrieval quality on the seeded set and on the public SQuAD subset: recall@5 and MRR@10 per
 * question kind for each ranker, and how well the weak-retrieval judgement separates
 * answerable from unanswerable questions. Run: `pnpm --filter @recall/bench exec tsx documents/quality.ts`.
 */
export interface DocumentQualityOptions {
  /** The server's real index (BM25 + vectors through the blind index), added as one more row when given. */
  realIndexRanker?: Ranker;
  /** Seeds of the generated sets. Default [1, 2, 3]. */
  seeds?: readonly number[];
  /** Skip the public set (SQuAD subset). */
  skipPublicSet?: boolean;
}

type DocumentSet = Omit<EvaluationSet, "documents"> & { documents: readonly NamedDocument[] };

export async function runDocumentQuality(options: DocumentQualityOptions = {}): Promise<{ perfectBaselines: string[] }> {
  const rankers: Array<[string, Ranker]> = [["substring", substringRanker], ["bm25-memory", bm25Ranker]];
  if (options.realIndexRanker !== undefined) rankers.push(["real-index", options.realIndexRanker]);
  const sets: Array<[string, DocumentSet]> = (options.seeds ?? [1, 2, 3]).map((seed) => [`generated seed ${seed}`, generateRetrievalSet(seed)]);
  if (options.skipPublicSet !== true) sets.push(["SQuAD 2.0 dev, 5 articles", loadSquadRetrievalSet()]);
  const perfectBaselines: string[] = [];

  console.log("| set | ranker | kind | questions | recall@5 | MRR@10 |");
  console.log("| --- | --- | --- | ---: | ---: | ---: |");
  const chunked = new Map<DocumentSet, DocumentChunk[][]>();
  for (const [setName, set] of sets) {
    const chunks = set.documents.map((document) => chunkDocument(document));
    chunked.set(set, chunks);
    for (const [rankerName, ranker] of rankers) {
      const evaluation = await evaluateRanker(set, chunks, ranker);
      for (const [kind, metrics] of [...Object.entries(evaluation.byKind), ["all answerable", evaluation.overall] as const]) {
        console.log(`| ${setName} | ${rankerName} | ${kind} | ${metrics.questions} | ${percent(metrics.recallAt5)} | ${metrics.mrrAt10.toFixed(3)} |`);
      }
      if (rankerName !== "real-index" && evaluation.overall.recallAt5 === 1) perfectBaselines.push(`${rankerName} on ${setName}`);
    }
  }

  console.log("\nWeak-retrieval judgement on the top 5 of bm25-memory (answerable: trusted / trusted with the answer among the convincing; unanswerable: flagged weak):\n");
  console.log("| set | thresholds | answerable trusted | trusted with answer | unanswerable flagged | flagged by kind |");
  console.log("| --- | --- | ---: | ---: | ---: | --- |");
  const variants: Array<[string, JudgePassagesOptions]> = [
    [`default (${defaultJudgeOptions.minMatchedTerms} terms or ${defaultJudgeOptions.minShare * 100}%)`, {}],
    ["2 terms or 50%", { minMatchedTerms: 2, minShare: 0.5 }],
    ["3 terms or 50%", { minMatchedTerms: 3, minShare: 0.5 }],
    ["4 terms or 75%", { minMatchedTerms: 4, minShare: 0.75 }],
  ];
  for (const [setName, set] of sets) {
    for (const [label, judgeOptions] of variants) {
      const accuracy = await evaluateJudgement(set, chunked.get(set)!, bm25Ranker, judgeOptions);
      console.log(
        `| ${setName} | ${label} | ${ratio(accuracy.answerableTrusted, accuracy.answerable)} | ${ratio(accuracy.answerableTrustedWithAnswer, accuracy.answerable)} | ${ratio(accuracy.unanswerableFlagged, accuracy.unanswerable)} | ${Object.entries(accuracy.unanswerableByKind)
          .sort(([left], [right]) => left.localeCompare(right))
          .map(([kind, { flagged, total }]) => `${kind} ${flagged}/${total}`)
          .join(", ")} |`,
      );
    }
  }
  if (perfectBaselines.length > 0) console.log(`\nA baseline scored 100% recall@5 (${perfectBaselines.join(", ")}): make the set harder.`);
  return { perfectBaselines };
}

function percent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

function ratio(part: number, whole: number): string {
  return `${part}/${whole} (${whole === 0 ? "-" : percent(part / whole)})`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { perfectBaselines } = await runDocumentQuality();
  if (perfectBaselines.length > 0) process.exitCode = 1;
}
