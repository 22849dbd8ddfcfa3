import { questionTypes, type ConversationSet, type GeneratedMessage, type GeneratedQuestion, type QuestionType } from "./conversation-generator.ts";

/** Everything the user and assistant said before the question, across all chats, oldest first. */
export function historyBefore(set: ConversationSet, question: GeneratedQuestion): GeneratedMessage[] {
  return set.sessions.flatMap((session) => session.messages).filter((message) => message.createdAt < question.askedAt);
}

export interface CoverageRow {
  type: QuestionType | "all";
  questions: number;
  /** Questions whose evidence turns are all in the context. */
  covered: number;
  share: number;
  /** Changed facts whose context holds an outdated value but not the current one. */
  staleOnly: number;
}

/**
 * A question counts only when every evidence turn is present: half of a
 * two-fact answer is not an answer.
 */
export function scoreEvidenceCoverage(questions: readonly GeneratedQuestion[], contextMessageIds: (question: GeneratedQuestion) => ReadonlySet<string>): CoverageRow[] {
  const rows = new Map<QuestionType | "all", CoverageRow>();
  for (const type of ["all", ...questionTypes] as const) rows.set(type, { type, questions: 0, covered: 0, share: 0, staleOnly: 0 });
  for (const question of questions) {
    const context = contextMessageIds(question);
    const covered = question.evidenceMessageIds.every((id) => context.has(id));
    const staleOnly = !covered && question.supersededMessageIds.some((id) => context.has(id));
    for (const row of [rows.get("all")!, rows.get(question.type)!]) {
      row.questions += 1;
      if (covered) row.covered += 1;
      if (staleOnly) row.staleOnly += 1;
    }
  }
  return [...rows.values()].map((row) => ({ ...row, share: row.questions === 0 ? 0 : row.covered / row.questions }));
}
