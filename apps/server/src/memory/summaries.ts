import type { PrismaClient } from "@recall/db";
import { buildSummaryPrompt, planSummaryUpdate, planUpkeepBudget, summaryBranchWindow, summaryPromptLimits, verbatimStartForBuffer } from "@recall/memory";
import type { LlmClient } from "@recall/ollama";
import { LRUCache } from "lru-cache";
import type { ChatRepository } from "../chat/chat-repository.ts";
import type { ModelCatalog } from "../chat/model-catalog.ts";
import { PlaintextFieldCipher, type FieldCipher } from "../crypto/index.ts";
import { jobId, type JobQueue } from "../jobs/job-queue.ts";
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
  /** Updates run at once in one process (jobs of different chats); unbounded by default. */
  concurrency?: number;
}

interface Logger {
  warn(object: object, message?: string): void;
}

/** A reply finished: see whether the chat's older turns are due for a summary (job `summary:<sessionId>:<leafMessageId>`). */
export interface SummaryJob {
  userId: string;
  sessionId: string;
  leafMessageId: string;
  chatModel: string;
}

/**
 * The running summary of each chat's older turns, updated incrementally (previous
 * summary + newly evicted turns → new summary) in the background: a reply never waits
 * for it and uses the last finished summary. Each segment is summarized once.
 */
export class SummaryService {
  /** Per chat, the update running in this process: the next one waits for it (it plans from the summary it writes). */
  private readonly running = new Map<string, Promise<void>>();
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
    /** Where updates run: this process by default, BullMQ workers in the scaled mode. */
    private readonly jobs: JobQueue | null = null,
  ) {
    jobs?.register<SummaryJob>("summary", (job) => this.run(job), { concurrency: options.concurrency ?? Number.POSITIVE_INFINITY });
  }

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
    const job: SummaryJob = { userId, sessionId, leafMessageId, chatModel };
    if (!this.jobs) {
      void this.run(job).catch(() => {});
      return;
    }
    void this.jobs.enqueue("summary", job, { jobId: jobId("summary", sessionId, leafMessageId) }).catch((error: unknown) => {
      this.logger.warn({ sessionId, error: { name: error instanceof Error ? error.name : typeof error } }, "summary update not queued; the next reply asks again");
    });
  }

  /**
   * The job: one update at a time per chat in this process (a later one plans from the summary
   * the earlier one wrote, so it usually finds nothing due). Throws on failure, for the queue to log and retry.
   */
  async run(job: SummaryJob): Promise<void> {
    const { sessionId } = job;
    for (let previous = this.running.get(sessionId); previous; previous = this.running.get(sessionId)) await previous.catch(() => {});
    const run = this.update(job.userId, sessionId, job.leafMessageId, job.chatModel).finally(() => this.running.delete(sessionId));
    this.running.set(sessionId, run);
    try {
      await run;
    } catch (error) {
      // The chat was deleted while its summary was written: nothing failed.
      if (this.deletedWhileRunning.delete(sessionId)) return;
      this.stats.failures += 1;
      throw error;
    }
    this.deletedWhileRunning.delete(sessionId);
  }

  /** Resolves when no summary work is running or queued in this process (tests, shutdown). */
  async idle(): Promise<void> {
    do {
      await this.jobs?.idle("summary");
      await Promise.all(this.running.values()).catch(() => {});
    } while (this.running.size > 0);
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
    const written = { content, coveredMessageId: last.id, coveredCount, tokenCount: result.completionTokens ?? 0 };
    // Written only over the summary this update started from: a retried or concurrent job (another
    // worker) that got there first wins, and the segment is never counted twice.
    const landed = previous
      ? (await this.prisma.sessionSummary.updateMany({ where: { sessionId, coveredCount: previous.coveredCount, coveredMessageId: previous.coveredMessageId }, data: written })).count === 1
      : await this.prisma.sessionSummary.create({ data: { sessionId, ...written } }).then(
          () => true,
          (error: unknown) => {
            if ((error as { code?: unknown }).code === "P2002") return false;
            throw error;
          },
        );
    if (!landed) return;
    await this.onWritten(userId, sessionId);
    this.messagesUntilCheck.set(sessionId, this.options.segmentMessages);
  }
}
