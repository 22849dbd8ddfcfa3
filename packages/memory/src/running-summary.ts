import type { MemoryRole, PromptMessage, TokenCounter } from "./ports.ts";
import { clipTextToTokens, fitTranscript, type TranscriptMessage } from "./upkeep-transcript.ts";

/**
 * The running summary's policy: when a chat's older turns are due for summarizing, and the
 * prompt that asks the model to fold them into the summary. The server schedules the call,
 * sends it and saves the result.
 */

/** The summarizer's instructions (the system message of every running-summary call). */
export const summaryInstructions =
  "You keep a running summary of a conversation between a user and an assistant. Rewrite the summary so it also covers the new messages. " +
  "Keep every name, date, number, place, preference, decision and open question the user mentioned; drop small talk. " +
  "Write plain prose in the third person, at most 250 words. Reply with the summary only.";

export const summaryPromptLimits = {
  /** The longest slice of one message fed to the summarizer: a pasted wall of text must not crowd out the rest. */
  maxCharactersPerMessage: 2000,
  /** Room for the new summary (`num_predict`), at most half the context. */
  answerTokens: 600,
} as const;

/** A message of the chat's branch as the planner sees it. */
export interface SummarySourceMessage {
  id: string;
  role: MemoryRole;
  content: string;
  /** `streaming` while a reply is still being written; anything else is final. */
  status?: string;
}

/** A user or assistant message with final, non-blank text: what a summary may cover. */
export function isFinishedTurn<Message extends SummarySourceMessage>(message: Message): message is Message & { role: "user" | "assistant" } {
  return (message.role === "user" || message.role === "assistant") && message.status !== "streaming" && message.content.trim().length > 0;
}

export interface SummaryCadence {
  /** Update the summary once this many more messages have left the verbatim part unsummarized. */
  segmentMessages: number;
  /** The first summary comes sooner: once this many messages have left it (capped by `segmentMessages`). */
  firstSummaryAfterMessages: number;
}

/**
 * How much of the branch (newest messages) to load for planning: the verbatim part and four
 * segments behind it. A covered message further back than that is taken as not found.
 */
export function summaryBranchWindow(verbatimMessages: number, cadence: Pick<SummaryCadence, "segmentMessages">): number {
  return verbatimMessages + cadence.segmentMessages * 4;
}

/** Today's boundary: the last `bufferMessages` messages are sent verbatim, everything before them has left. */
export function verbatimStartForBuffer(branchLength: number, bufferMessages: number): number {
  return Math.max(0, branchLength - bufferMessages);
}

export interface SummaryPlanInput extends SummaryCadence {
  /** The newest part of the chat's branch, oldest first (see `summaryBranchWindow`). */
  branch: readonly SummarySourceMessage[];
  /**
   * Index in `branch` of the first message still in the verbatim part of the prompt: every
   * message before it has left it and may be summarized. Today `verbatimStartForBuffer`.
   */
  verbatimStart: number;
  /** The chat's current summary: the last message it covers, and how many it covers in all. */
  previous: { coveredMessageId: string | null; coveredCount: number } | null;
}

export type SummaryPlan<Message extends SummarySourceMessage = SummarySourceMessage> =
  /** Not yet: at least `messagesUntilDue` more messages must leave the verbatim part first. */
  | { due: false; messagesUntilDue: number }
  /** Summarize these (oldest first): the finished turns that left the verbatim part since the covered message. */
  | { due: true; messages: Array<Message & { role: "user" | "assistant" }> };

/**
 * Whether a segment of the chat is due for the summary. The covered message is looked for
 * among the finished turns that left the verbatim part; when it is not there (older than the
 * window because summaries fell behind, or on another branch after an edit) every one of
 * them is new to the summary.
 */
export function planSummaryUpdate<Message extends SummarySourceMessage>(input: Omit<SummaryPlanInput, "branch"> & { branch: readonly Message[] }): SummaryPlan<Message> {
  const verbatimStart = Math.min(input.branch.length, Math.max(0, Math.floor(input.verbatimStart)));
  const left = input.branch.slice(0, verbatimStart).filter(isFinishedTurn);
  const coveredId = input.previous?.coveredMessageId ?? null;
  const coveredAt = coveredId === null ? -1 : left.findIndex((message) => message.id === coveredId);
  const uncovered = left.slice(coveredAt + 1);
  const threshold = Math.max(1, input.previous ? input.segmentMessages : Math.min(input.firstSummaryAfterMessages, input.segmentMessages));
  if (uncovered.length < threshold) return { due: false, messagesUntilDue: threshold - uncovered.length };
  return { due: true, messages: uncovered };
}

export interface SummaryPromptInput {
  /** The current summary's text; null or blank before the first. */
  previousSummary: string | null;
  /** The messages to fold in, oldest first (a due plan's `messages`). */
  messages: readonly TranscriptMessage[];
  /** Tokens the prompt may use: the model's context minus the answer, minus the template's fixed tokens. */
  budgetTokens: number;
  /** The chat template's tokens per message (default 4). */
  messageOverheadTokens?: number;
}

export interface SummaryPrompt {
  messages: PromptMessage[];
  /**
   * The messages the prompt quotes, oldest first: all of the input unless even a minimum of
   * each did not fit, when the newest wait for the next update. The new summary covers these.
   */
  covered: TranscriptMessage[];
  /** Messages clipped to fit the budget. */
  clippedMessages: number;
  /** Whether the current summary itself had to be shortened. */
  summaryShortened: boolean;
  /** The prompt's tokens by the counter, overheads included. */
  totalTokens: number;
  fits: boolean;
}

const summaryHeader = "Current summary:\n";
const newMessagesHeader = "\n\nNew messages:\n";
/** The transcript always keeps at least this much room, even if the current summary must be shortened for it. */
const minimumTranscriptTokens = 128;

/**
 * The running-summary call: the instructions, then the current summary and the new messages
 * in one user message, fitted to `budgetTokens` (messages clipped longest first, see
 * `fitTranscript`; the newest left for the next update only if even that is not enough).
 */
export function buildSummaryPrompt(input: SummaryPromptInput, counter: TokenCounter): SummaryPrompt {
  const overhead = input.messageOverheadTokens ?? 4;
  let summary = input.previousSummary?.trim() || "(none yet)";
  const fixed = (): number => counter.count(summaryInstructions) + counter.count(`${summaryHeader}${summary}${newMessagesHeader}`) + 2 * overhead;
  let summaryShortened = false;
  const summaryRoom = input.budgetTokens - minimumTranscriptTokens - (fixed() - counter.count(summary));
  if (counter.count(summary) > summaryRoom && input.previousSummary) {
    summary = clipTextToTokens(summary, Math.max(1, summaryRoom), counter, " … [summary shortened]");
    summaryShortened = true;
  }
  const transcript = fitTranscript(input.messages, counter, {
    maxCharactersPerMessage: summaryPromptLimits.maxCharactersPerMessage,
    budgetTokens: Math.max(1, input.budgetTokens - fixed()),
    overflow: "drop-newest",
  });
  const messages: PromptMessage[] = [
    { role: "system", content: summaryInstructions },
    { role: "user", content: `${summaryHeader}${summary}${newMessagesHeader}${transcript.text}` },
  ];
  const totalTokens = messages.reduce((sum, message) => sum + counter.count(message.content) + overhead, 0);
  return {
    messages,
    covered: transcript.included,
    clippedMessages: transcript.clippedMessages,
    summaryShortened,
    totalTokens,
    fits: totalTokens <= input.budgetTokens,
  };
}
