import type { PrismaClient } from "@recall/db";
import { buildSummaryPrompt, planSummaryUpdate, planUpkeepBudget, summaryBranchWindow, summaryPromptLimits, verbatimStartForBuffer } from "@recall/memory";
import type { LlmClient } from "@recall/ollama";
import { LRUCache } from "lru-cache";
import type { ChatRepository } from "../chat/chat-repository.ts";
import type { ModelCatalog } from "../chat/model-catalog.ts";
import { PlaintextFieldCipher, type FieldCipher } from "../crypto/index.ts";
import { describeError } from "../errors.ts";
import { observeUpkeepCall } from "./upkeep-calls.ts";

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
}

interface Logger {
  warn(object: object, message?: string): void;
}

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
  private readonly messagesUntilCheck = new LRUCache<string, number>({ max: 10_000 });
  readonly stats = { runs: 0, failures: 0 };
  private readonly deletedWhileRunning = new Set<string>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly store: Pick<ChatRepository, "branchHistory">,
    private readonly llm: LlmClient,
    private readonly models: ModelCatalog,
    private readonly options: SummaryOptions,
    private readonly logger: Logger,
    /** The summary is encrypted under its chat's owner, with the chat's id as its row. */
    private readonly cipher: FieldCipher = new PlaintextFieldCipher(),
  ) {}

  /** Set by the composition root: a new summary must reach the cached conversation. */
  onWritten: (userId: string, sessionId: string) => Promise<void> = async () => {};

  async current(sessionId: string): Promise<SessionSummaryView | null> {
    const row = await this.prisma.sessionSummary.findUnique({ where: { sessionId }, include: { session: { select: { userId: true } } } });
    if (!row) return null;
    const text = await this.cipher.decrypt(row.content, { field: "SessionSummary.content", rowId: sessionId, userId: row.session.userId });
    return { text, coveredMessageId: row.coveredMessageId, coveredCount: row.coveredCount };
  }

  /**
   * After a reply: summarize the chat's evicted turns if a whole segment is waiting. Never throws.
   * `due` (the prompt is close to full, `summaryDue`): only then is a summary worth a model call,
   * since the chat is still sent verbatim until the next fresh layout, and on a model with one
   * slot the call costs the chat its prompt cache.
   */
  schedule(userId: string, sessionId: string, leafMessageId: string, chatModel: string, due = true): void {
    const wait = this.messagesUntilCheck.get(sessionId);
    if (!due) {
      if (wait !== undefined) this.messagesUntilCheck.set(sessionId, Math.max(0, wait - 2));
      return;
    }
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
        if (this.rerun.delete(sessionId)) this.schedule(userId, sessionId, leafMessageId, chatModel, true);
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
    const branch = await this.store.branchHistory(sessionId, leafMessageId, summaryBranchWindow(this.options.bufferMessages, this.options));
    const plan = planSummaryUpdate({
      branch,
      // What has left the verbatim part of the prompt: today, all but the working buffer.
      verbatimStart: verbatimStartForBuffer(branch.length, this.options.bufferMessages),
      previous,
      segmentMessages: this.options.segmentMessages,
      firstSummaryAfterMessages: this.options.firstSummaryAfterMessages,
    });
    if (!plan.due) {
      this.messagesUntilCheck.set(sessionId, plan.messagesUntilDue);
      return;
    }

    this.stats.runs += 1;
    const model = this.options.model ?? chatModel;
    // The same runner options as the model's replies: a summary must not make Ollama reload it.
    const [{ numCtx }, counter] = await Promise.all([this.models.runnerOptions(model), this.models.tokenCounter(model)]);
    const { maxTokens, promptBudget } = planUpkeepBudget(numCtx, summaryPromptLimits.answerTokens);
    const calibration = counter.calibration;
    const prompt = buildSummaryPrompt(
      {
        previousSummary: previous?.text ?? null,
        messages: plan.messages,
        budgetTokens: Math.max(1, promptBudget - Math.ceil(calibration.fixedTokens)),
        messageOverheadTokens: Math.ceil(calibration.perMessageTokens),
      },
      counter,
    );
    const result = await this.llm.completeChat({ model, messages: prompt.messages, maxTokens, numCtx });
    observeUpkeepCall(counter, prompt.messages, result.promptTokens, numCtx);
    const text = result.text.trim();
    if (text.length === 0) throw new Error("The model returned an empty summary.");
    // Everything due, unless even a minimum of each message did not fit: the rest waits for the next update.
    const last = prompt.covered.at(-1)!;
    const coveredCount = (previous?.coveredCount ?? 0) + prompt.covered.length;
    const content = await this.cipher.encrypt(text, { field: "SessionSummary.content", rowId: sessionId, userId });
    await this.prisma.sessionSummary.upsert({
      where: { sessionId },
      create: { sessionId, content, coveredMessageId: last.id, coveredCount, tokenCount: result.completionTokens ?? 0 },
      update: { content, coveredMessageId: last.id, coveredCount, tokenCount: result.completionTokens ?? 0 },
    });
    await this.onWritten(userId, sessionId);
    this.messagesUntilCheck.set(sessionId, this.options.segmentMessages);
  }
}
