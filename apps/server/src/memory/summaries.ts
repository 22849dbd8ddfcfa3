import type { PrismaClient } from "@recall/db";
import type { LlmClient } from "@recall/ollama";
import type { ChatStore, HistoryMessage } from "../chat/chat-store.ts";
import { describeError } from "../errors.ts";

export interface SessionSummaryView {
  text: string;
  coveredMessageId: string | null;
  coveredCount: number;
}

export interface SummaryOptions {
  /** Update the summary once this many more messages have left the working buffer unsummarized. */
  segmentMessages: number;
  /** The first summary comes sooner: once this many messages have left the buffer (the reference design's 5). */
  firstSummaryAfterMessages: number;
  bufferMessages: number;
  /** The model that writes summaries; null uses the chat's own model. */
  model: string | null;
  maxSummaryTokens: number;
  numCtx: number;
}

interface Logger {
  warn(object: object, message?: string): void;
}

const instructions =
  "You keep a running summary of a conversation between a user and an assistant. Rewrite the summary so it also covers the new messages. " +
  "Keep every name, date, number, place, preference, decision and open question the user mentioned; drop small talk. " +
  "Write plain prose in the third person, at most 250 words. Reply with the summary only.";

/** The longest slice of one message fed to the summarizer: a pasted wall of text must not crowd out the rest. */
const maxCharactersPerMessage = 2000;

/**
 * The running summary of each chat's older turns, updated incrementally (previous
 * summary + newly evicted turns → new summary) in the background: a reply never waits
 * for it and uses the last finished summary. Each segment is summarized once.
 */
export class SummaryService {
  private readonly running = new Map<string, Promise<void>>();
  private readonly rerun = new Set<string>();
  /**
   * Per chat, how many more finished messages must arrive before a segment can be due:
   * most replies then cost no query at all. Unknown (absent) means "check".
   */
  private readonly messagesUntilCheck = new Map<string, number>();
  readonly stats = { runs: 0, failures: 0 };
  private readonly deletedWhileRunning = new Set<string>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly store: ChatStore,
    private readonly llm: LlmClient,
    private readonly options: SummaryOptions,
    private readonly logger: Logger,
  ) {}

  /** Set by the composition root: a new summary must reach the cached conversation. */
  onWritten: (userId: string, sessionId: string) => Promise<void> = async () => {};

  async current(sessionId: string): Promise<SessionSummaryView | null> {
    const row = await this.prisma.sessionSummary.findUnique({ where: { sessionId } });
    return row ? { text: row.content, coveredMessageId: row.coveredMessageId, coveredCount: row.coveredCount } : null;
  }

  /** After a reply: summarize the chat's evicted turns if a whole segment is waiting. Never throws. */
  schedule(userId: string, sessionId: string, leafMessageId: string, chatModel: string): void {
    const wait = this.messagesUntilCheck.get(sessionId);
    if (wait !== undefined && wait > 2) {
      // One more exchange (a user message and its reply) moved two messages closer.
      this.messagesUntilCheck.set(sessionId, wait - 2);
      return;
    }
    this.messagesUntilCheck.delete(sessionId);
    if (this.running.has(sessionId)) {
      this.rerun.add(sessionId);
      return;
    }
    const run = this.update(userId, sessionId, leafMessageId, chatModel)
      .catch((error: unknown) => {
        // The chat was deleted while its summary was written: nothing failed.
        if (this.deletedWhileRunning.has(sessionId)) return;
        this.stats.failures += 1;
        this.logger.warn({ sessionId, error: describeError(error) }, "running summary update failed; the previous summary stays");
      })
      .finally(() => {
        this.running.delete(sessionId);
        if (this.deletedWhileRunning.delete(sessionId)) {
          this.rerun.delete(sessionId);
          return;
        }
        if (this.rerun.delete(sessionId)) this.schedule(userId, sessionId, leafMessageId, chatModel);
      });
    this.running.set(sessionId, run);
  }

  /** Resolves when no summary work is running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running.values());
  }

  /** The chat was deleted: drop its counters, and a run in flight is not a failure. */
  forget(sessionId: string): void {
    this.messagesUntilCheck.delete(sessionId);
    if (this.running.has(sessionId)) this.deletedWhileRunning.add(sessionId);
  }

  private async update(userId: string, sessionId: string, leafMessageId: string, chatModel: string): Promise<void> {
    const previous = await this.current(sessionId);
    const window = this.options.bufferMessages + this.options.segmentMessages * 4;
    const branch = await this.store.branchHistory(sessionId, leafMessageId, window);
    const evicted = branch.slice(0, Math.max(0, branch.length - this.options.bufferMessages)).filter(isFinishedTurn);
    const coveredAt = previous?.coveredMessageId ? evicted.findIndex((message) => message.id === previous.coveredMessageId) : -1;
    // Not found: the covered message is older than the window (summaries fell behind) or on
    // another branch (an edit); either way everything evicted in the window is new to it.
    const uncovered = evicted.slice(coveredAt + 1);
    const threshold = previous ? this.options.segmentMessages : Math.min(this.options.firstSummaryAfterMessages, this.options.segmentMessages);
    if (uncovered.length < threshold) {
      this.rememberWait(sessionId, threshold - uncovered.length);
      return;
    }

    this.stats.runs += 1;
    const transcript = uncovered
      .map((message) => `${message.role === "user" ? "User" : "Assistant"}: ${message.content.slice(0, maxCharactersPerMessage)}`)
      .join("\n\n");
    const result = await this.llm.completeChat({
      model: this.options.model ?? chatModel,
      messages: [
        { role: "system", content: instructions },
        { role: "user", content: `Current summary:\n${previous?.text || "(none yet)"}\n\nNew messages:\n${transcript}` },
      ],
      maxTokens: this.options.maxSummaryTokens,
      numCtx: this.options.numCtx,
    });
    const text = result.text.trim();
    if (text.length === 0) throw new Error("The model returned an empty summary.");
    const last = uncovered.at(-1)!;
    const coveredCount = (previous?.coveredCount ?? 0) + uncovered.length;
    await this.prisma.sessionSummary.upsert({
      where: { sessionId },
      create: { sessionId, content: text, coveredMessageId: last.id, coveredCount, tokenCount: result.completionTokens ?? 0 },
      update: { content: text, coveredMessageId: last.id, coveredCount, tokenCount: result.completionTokens ?? 0 },
    });
    await this.onWritten(userId, sessionId);
    this.rememberWait(sessionId, this.options.segmentMessages);
  }

  private rememberWait(sessionId: string, messages: number): void {
    this.messagesUntilCheck.set(sessionId, messages);
    if (this.messagesUntilCheck.size > 10_000) {
      const oldest = this.messagesUntilCheck.keys().next().value;
      if (oldest !== undefined) this.messagesUntilCheck.delete(oldest);
    }
  }
}

function isFinishedTurn(message: HistoryMessage): boolean {
  return (message.role === "user" || message.role === "assistant") && message.status !== "streaming" && message.content.trim().length > 0;
}
