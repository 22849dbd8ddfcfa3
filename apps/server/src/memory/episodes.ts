import type { PrismaClient } from "@recall/db";
import type { Clock, ContextEpisode, PromptMessage } from "@recall/memory";
import { buildEpisodePrompt, episodePromptLimits, planUpkeepBudget, systemClock } from "@recall/memory";
import type { LlmClient } from "@recall/ollama";
import { LlmAbortedError } from "@recall/ollama";
import { episodeResponseJsonSchema, episodeResponseSchema, type EpisodeResponse, type EpisodeView } from "@recall/schema";
import { z } from "zod";
import { notFound } from "../domain-errors.ts";
import type { ModelCatalog, RunnerOptions } from "../chat/model-catalog.ts";
import { newId } from "../chat/saved-chat-store.ts";
import { PlaintextFieldCipher, type FieldCipher } from "../crypto/index.ts";
import { describeError } from "../errors.ts";
import { jobId, type JobQueue } from "../jobs/job-queue.ts";
import type { ProfileStore } from "./profile-store.ts";
import { observeUpkeepCall } from "./upkeep-calls.ts";

export interface EpisodeOptions {
  /** A chat idle this long has ended: it gets its episode. */
  idleAfterMs: number;
  /** How often to look for idle chats. */
  sweepEveryMs: number;
  /** How many of the user's last finished chats new chats see. */
  recentEpisodes: number;
  /** Shorter chats get no episode (recall still finds what was said in them): upkeep stays per conversation, not per question. */
  minimumMessages: number;
  /** The model that writes episodes; null uses the chat's own model, else the default. */
  model: string | null;
  defaultModel: string;
  /** Episodes written at once in one process; unbounded by default. */
  concurrency?: number;
}

/** A chat ended: write its episode as of its last activity (job `episode:<sessionId>:<updatedAt ms>`). */
export interface EpisodeJob {
  userId: string;
  sessionId: string;
  chatModel: string | null;
  /** The chat's updatedAt when the job was asked for: the same chat state is one job. */
  updatedAtMs: number;
}

interface Logger {
  warn(object: object, message?: string): void;
}

interface EpisodeRow {
  id: string;
  sessionId: string;
  summary: string;
  factsJson: string;
  createdAt: Date;
  session: { title: string };
}

/** An episode row's text, decrypted. */
interface PlainEpisode {
  summary: string;
  facts: string[];
}

interface EpisodeWrite {
  userId: string;
  controller: AbortController;
  run: Promise<void>;
}

function toView(row: EpisodeRow, plain: PlainEpisode & { sessionTitle: string }): EpisodeView {
  return { id: row.id, sessionId: row.sessionId, sessionTitle: plain.sessionTitle, summary: plain.summary, facts: plain.facts, createdAt: row.createdAt.toISOString() };
}

/**
 * Episodic memory: when a chat ends (the user starts another, or it sits idle), the
 * model writes a short summary and key facts of it; new chats see the user's last few.
 * Written in the background; a failure is counted and retried by the next trigger.
 */
/** The user deleted this chat's episode and nothing happened in it since. */
function isDismissed(session: { updatedAt: Date; episodeDismissedAt: Date | null }): boolean {
  return session.episodeDismissedAt !== null && session.updatedAt <= session.episodeDismissedAt;
}

export class EpisodeService {
  private readonly writing = new Map<string, EpisodeWrite>();
  /** Looks for the chat a new chat ended; tracked so `idle()` also waits for them. */
  private readonly lookups = new Set<Promise<void>>();
  private sweeper: NodeJS.Timeout | null = null;
  /** Chats idle before this were swept already (after a restart: the last week is looked at again). */
  private sweptUpTo: Date;
  /** The sweep in progress: the timer does not start another over it. */
  private sweeping: Promise<number> | null = null;
  readonly stats = { written: 0, failures: 0 };

  constructor(
    private readonly prisma: PrismaClient,
    private readonly llm: LlmClient,
    private readonly models: ModelCatalog,
    private readonly options: EpisodeOptions,
    private readonly profiles: ProfileStore,
    private readonly logger: Logger,
    private readonly clock: Clock = systemClock,
    /** Summary and facts are encrypted under the episode's owner, bound to its id. */
    private readonly cipher: FieldCipher = new PlaintextFieldCipher(),
    /** Where episodes are written: this process by default, BullMQ workers in the scaled mode. */
    private readonly jobs: JobQueue | null = null,
  ) {
    this.sweptUpTo = new Date(clock.now().getTime() - 7 * 24 * 60 * 60 * 1000);
    jobs?.register<EpisodeJob>("episode", (job) => this.run(job), { concurrency: options.concurrency ?? Number.POSITIVE_INFINITY });
  }

  start(): void {
    this.sweeper ??= setInterval(() => {
      if (this.sweeping) return;
      const sweep: Promise<void> = this.sweepIdle()
        .then(() => undefined)
        .catch((error: unknown) => this.logger.warn({ error: describeError(error) }, "could not look for idle chats"))
        .finally(() => this.lookups.delete(sweep));
      this.lookups.add(sweep);
    }, this.options.sweepEveryMs);
    this.sweeper.unref();
  }

  async stop(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    await this.idle();
  }

  async idle(): Promise<void> {
    do {
      await Promise.all([...this.lookups]);
      await this.jobs?.idle("episode");
      await Promise.all([...this.writing.values()].map((write) => write.run));
    } while (this.writing.size > 0 || this.lookups.size > 0);
  }

  /** Set by the composition root: a new episode must reach the user's cached conversations. */
  onWritten: (userId: string) => Promise<void> = async () => {};

  /** The user's last finished chats, newest first, other than the one being answered. */
  async recent(userId: string, currentSessionId: string): Promise<ContextEpisode[]> {
    const rows = await this.prisma.episode.findMany({
      where: { userId, sessionId: { not: currentSessionId } },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: this.options.recentEpisodes,
    });
    return Promise.all(rows.map(async (row) => ({ id: row.id, sessionId: row.sessionId, ...(await this.plain(row)), createdAt: row.createdAt })));
  }

  private async plain(row: { id: string; userId: string; summary: string; factsJson: string }): Promise<PlainEpisode> {
    const [summary, factsJson] = await Promise.all([
      this.cipher.decrypt(row.summary, { field: "Episode.summary", rowId: row.id, userId: row.userId }),
      this.cipher.decrypt(row.factsJson, { field: "Episode.factsJson", rowId: row.id, userId: row.userId }),
    ]);
    return { summary, facts: parseFacts(factsJson) };
  }

  private async view(row: EpisodeRow & { userId: string }): Promise<EpisodeView> {
    const [plain, sessionTitle] = await Promise.all([
      this.plain(row),
      this.cipher.decrypt(row.session.title, { field: "ChatSession.title", rowId: row.sessionId, userId: row.userId }),
    ]);
    return toView(row, { ...plain, sessionTitle });
  }

  private async seal(episodeId: string, userId: string, text: PlainEpisode): Promise<{ summary: string; factsJson: string }> {
    const [summary, factsJson] = await Promise.all([
      this.cipher.encrypt(text.summary, { field: "Episode.summary", rowId: episodeId, userId }),
      this.cipher.encrypt(JSON.stringify(text.facts), { field: "Episode.factsJson", rowId: episodeId, userId }),
    ]);
    return { summary, factsJson };
  }

  /** "What Recall remembers about me": every episode of the user, newest first, with its chat's title. */
  async listForUser(userId: string): Promise<EpisodeView[]> {
    const rows = await this.prisma.episode.findMany({
      where: { userId },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      include: { session: { select: { title: true } } },
    });
    return Promise.all(rows.map((row) => this.view(row)));
  }

  /** The user corrects an episode; the next reply of every chat sees the correction. */
  async update(userId: string, episodeId: string, edit: { summary: string; facts: string[] }): Promise<EpisodeView> {
    const { count } = await this.prisma.episode.updateMany({ where: { id: episodeId, userId }, data: await this.seal(episodeId, userId, edit) });
    if (count === 0) throw notFound("episode");
    await this.onWritten(userId);
    return this.view(await this.prisma.episode.findUniqueOrThrow({ where: { id: episodeId }, include: { session: { select: { title: true } } } }));
  }

  async remove(userId: string, episodeId: string): Promise<void> {
    const episode = await this.prisma.episode.findFirst({ where: { id: episodeId, userId }, select: { sessionId: true, session: { select: { updatedAt: true } } } });
    if (!episode) throw notFound("episode");
    // Saved on the chat, so neither a new chat nor the sweep writes it again, even after a
    // restart; only newer activity in that chat earns a new episode. updatedAt is passed as it
    // is: dismissing must not move the chat to the top of the sidebar.
    await this.prisma.chatSession.update({
      where: { id: episode.sessionId },
      data: { episodeDismissedAt: episode.session.updatedAt, updatedAt: episode.session.updatedAt },
    });
    // A write already running for that chat would bring the episode straight back.
    const running = this.writing.get(episode.sessionId);
    running?.controller.abort();
    await running?.run;
    await this.prisma.episode.deleteMany({ where: { id: episodeId, userId } });
    await this.onWritten(userId);
  }

  /** The user's data is being erased: stop their episode writes and wait until none can land. */
  async forgetUser(userId: string): Promise<void> {
    const writes = [...this.writing.values()].filter((write) => write.userId === userId);
    for (const write of writes) write.controller.abort();
    await Promise.all([...writes.map((write) => write.run), ...this.lookups]);
  }

  /** A new chat ends the user's previous one: write its episode if it has none since its last message. */
  onChatStarted(userId: string, newSessionId: string): void {
    const lookup: Promise<void> = this.prisma.chatSession
      .findFirst({
        where: { userId, id: { not: newSessionId }, messages: { some: { role: "assistant", status: "complete" } } },
        orderBy: [{ updatedAt: "desc" }, { id: "desc" }],
        include: { episodes: { orderBy: { createdAt: "desc" }, take: 1, select: { createdAt: true } } },
      })
      .then((session) => {
        const latest = session?.episodes[0];
        if (session && (!latest || latest.createdAt < session.updatedAt) && !isDismissed(session)) {
          this.write({ userId, sessionId: session.id, chatModel: session.model, updatedAtMs: session.updatedAt.getTime() });
        }
      })
      .catch((error: unknown) => this.logger.warn({ error: describeError(error) }, "could not look for the previous chat's episode"))
      .finally(() => this.lookups.delete(lookup));
    this.lookups.add(lookup);
  }

  /**
   * Chats that went idle since the last sweep. A moving window, not "every chat without an
   * episode", so chats too short for one are looked at once instead of on every sweep.
   */
  async sweepIdle(): Promise<number> {
    while (this.sweeping) await this.sweeping.catch(() => 0);
    const sweep = this.sweepOnce();
    this.sweeping = sweep;
    try {
      return await sweep;
    } finally {
      this.sweeping = null;
    }
  }

  private async sweepOnce(): Promise<number> {
    const cutoff = new Date(this.clock.now().getTime() - this.options.idleAfterMs);
    const sessions = await this.prisma.chatSession.findMany({
      where: { updatedAt: { gt: this.sweptUpTo, lte: cutoff }, episodes: { none: {} } },
      orderBy: [{ updatedAt: "asc" }, { id: "asc" }],
      take: 50,
      select: { id: true, userId: true, model: true, updatedAt: true, episodeDismissedAt: true, _count: { select: { messages: true } } },
    });
    this.sweptUpTo = sessions.length === 50 ? sessions.at(-1)!.updatedAt : cutoff;
    let started = 0;
    for (const session of sessions) {
      if (session._count.messages < this.options.minimumMessages || isDismissed(session)) continue;
      this.write({ userId: session.userId, sessionId: session.id, chatModel: session.model, updatedAtMs: session.updatedAt.getTime() });
      started += 1;
    }
    return started;
  }

  private write(job: EpisodeJob): void {
    if (!this.jobs) {
      void this.run(job).catch(() => {});
      return;
    }
    // The same chat state asked for twice (a new chat and the sweep, two servers' sweeps) is one job.
    void this.jobs.enqueue("episode", job, { jobId: jobId("episode", job.sessionId, job.updatedAtMs) }).catch((error: unknown) => {
      this.logger.warn({ sessionId: job.sessionId, error: describeError(error) }, "episode not queued; the next trigger tries again");
    });
  }

  /** The job. Throws on failure, for the queue to log (and, on BullMQ, retry once); a failure is counted. */
  async run(job: EpisodeJob): Promise<void> {
    const { userId, sessionId } = job;
    if (this.writing.has(sessionId)) return;
    const controller = new AbortController();
    const generated = this.generate(userId, sessionId, job.chatModel, controller.signal);
    this.writing.set(sessionId, { userId, controller, run: generated.then(() => {}, () => {}) });
    try {
      await generated;
    } catch (error) {
      // Stopped on purpose: the user deleted the episode or all their data.
      if (controller.signal.aborted) return;
      this.stats.failures += 1;
      throw error;
    } finally {
      this.writing.delete(sessionId);
    }
  }

  private async generate(userId: string, sessionId: string, chatModel: string | null, signal: AbortSignal): Promise<void> {
    // Idempotent: a chat gone, dismissed, or with an episode since its last activity (an earlier
    // run of this job that finished before its worker died) needs nothing.
    const session = await this.prisma.chatSession.findUnique({
      where: { id: sessionId },
      select: { updatedAt: true, episodeDismissedAt: true, episodes: { orderBy: { createdAt: "desc" }, take: 1, select: { createdAt: true } } },
    });
    const latest = session?.episodes[0];
    if (!session || isDismissed(session) || (latest && latest.createdAt >= session.updatedAt)) return;
    const rows = await this.prisma.message.findMany({
      where: { sessionId, role: { in: ["user", "assistant"] }, status: { in: ["complete", "interrupted"] } },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: episodePromptLimits.maxMessages,
      select: { id: true, userId: true, role: true, content: true },
    });
    if (rows.length < Math.max(1, this.options.minimumMessages)) return;
    const model = this.options.model ?? chatModel ?? this.options.defaultModel;
    // The same runner options as the model's replies: an episode must not make Ollama reload it.
    const [runner, counter] = await Promise.all([this.models.runnerOptions(model), this.models.tokenCounter(model)]);
    const { maxTokens, promptBudget } = planUpkeepBudget(runner.numCtx, episodePromptLimits.answerTokens);
    const calibration = counter.calibration;
    const prompt = buildEpisodePrompt(
      {
        messages: await Promise.all(
          rows.reverse().map(async (row) => ({
            id: row.id,
            role: row.role === "user" ? ("user" as const) : ("assistant" as const),
            content: await this.cipher.decrypt(row.content, { field: "Message.content", rowId: row.id, userId: row.userId }),
          })),
        ),
        budgetTokens: Math.max(1, promptBudget - Math.ceil(calibration.fixedTokens)),
        messageOverheadTokens: Math.ceil(calibration.perMessageTokens),
      },
      counter,
    );
    const episode = await this.askWithOneRetry(model, prompt.messages, runner, maxTokens, signal, (promptTokens) =>
      observeUpkeepCall(counter, prompt.messages, promptTokens, runner.numCtx),
    );
    if (signal.aborted) throw new LlmAbortedError();
    const episodeId = newId("p");
    const sealed = await this.seal(episodeId, userId, episode);
    await this.prisma.$transaction([
      // One episode per chat: a chat that went on gets its episode rewritten.
      this.prisma.episode.deleteMany({ where: { sessionId } }),
      this.prisma.episode.create({ data: { id: episodeId, userId, sessionId, ...sealed } }),
    ]);
    this.stats.written += 1;
    await this.onWritten(userId);
    await this.profiles.learn(userId, episode.profile, "model", null);
  }

  /** Structured output, validated; one retry, since small models sometimes break the format. */
  private async askWithOneRetry(
    model: string,
    messages: PromptMessage[],
    runner: RunnerOptions,
    maxTokens: number,
    signal: AbortSignal,
    observe: (promptTokens: number | null) => void,
  ): Promise<EpisodeResponse> {
    let lastProblem = "";
    for (let attempt = 1; attempt <= 2; attempt += 1) {
      const result = await this.llm.completeChat({ model, messages, format: episodeResponseJsonSchema, maxTokens, numCtx: runner.numCtx, signal });
      observe(result.promptTokens);
      const parsed = episodeResponseSchema.safeParse(safeJson(result.text));
      if (parsed.success) return parsed.data;
      lastProblem = parsed.error.issues[0]?.message ?? "not JSON";
    }
    throw new Error(`The model's episode did not match the schema twice (${lastProblem}).`);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** An episode's facts as saved (a JSON array of strings); anything else reads as none. */
const storedFactsSchema = z.array(z.string()).catch([]);

export function parseFacts(json: string): string[] {
  return storedFactsSchema.parse(safeJson(json));
}
