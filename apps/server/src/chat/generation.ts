import type { DocumentSources } from "@recall/schema";
import { systemClock, type Clock } from "@recall/memory";
import type { LlmChatMessage, LlmClient } from "@recall/ollama";
import { LlmAbortedError, LlmError } from "@recall/ollama";
import type { StreamEndReason, StreamEvent } from "@recall/schema";
import type { ChatRepository, FinishedReply } from "./chat-repository.ts";
import type { EventLogs, MessageEventLog } from "./event-log.ts";
import { singleInstanceReplies, type ReplyCoordinator } from "../streams/reply-coordinator.ts";
import { describeError } from "../errors.ts";
import { noReplyMetrics, type ReplyMetrics } from "../ops/reply-metrics.ts";
import { unlimitedSlots, type GenerationSlots } from "../limits/generation-queue.ts";

/** Why a reply ended `interrupted`: the stream's closed `StreamEndReason`. */
export type StopReason = StreamEndReason;

/** Saved with an interrupted reply, so it can still say why after a reload. */
const interruptionNotes: Record<StopReason, string> = {
  stopped: "Stopped.",
  shutdown: "The server shut down before this reply finished.",
  "client-gone": "Nobody was watching this reply any more, so it was stopped.",
};

export interface GenerationRequest {
  messageId: string;
  userId: string;
  model: string;
  messages: LlmChatMessage[];
  /** Sent as num_ctx; null leaves it to Ollama (only when the model's context is unknown). */
  numCtx: number | null;
  /** The chat: an Ollama pool sends its turns to the host holding its prompt cache. */
  sessionId?: string;
  /**
   * Moderation of the reply once it has ended: the message to show instead when it is withheld
   * (the reply is then saved empty, as an error), null when it may stand.
   */
  moderateReply?: (content: string) => Promise<string | null>;
  /** The reply's document sources from its final text (which passages it cited); saved with it. */
  sourcesFor?: (content: string) => DocumentSources | null;
  /** Called once the final state is saved (memory upkeep: calibration, recall index). */
  onFinished?: (result: { status: "complete" | "interrupted" | "error"; content: string; promptTokens: number | null }) => void;
}

export interface GenerationOptions {
  checkpointMs: number;
  abandonAfterMs: number;
}

interface Logger {
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
}

interface ActiveGeneration {
  messageId: string;
  controller: AbortController;
  stopReason: StopReason | null;
  content: string;
  savedLength: number;
  saving: Promise<void> | null;
  lastWatchedAt: number;
  log: MessageEventLog;
  finished: Promise<void>;
}

/**
 * Runs model calls apart from any HTTP request: output goes to the message's event
 * log (read by subscriptions) and is checkpointed to the database as it grows, so a
 * crash loses at most one checkpoint interval of text and never the message itself.
 */
export class GenerationManager {
  private readonly active = new Map<string, ActiveGeneration>();
  private readonly ticker: NodeJS.Timeout;
  private ticking = false;

  constructor(
    private readonly store: Pick<ChatRepository, "checkpoint" | "finish">,
    private readonly llm: LlmClient,
    private readonly eventLogs: EventLogs,
    private readonly options: GenerationOptions,
    private readonly logger: Logger,
    /** What "nobody watched it for abandonAfterMs" is measured with. */
    private readonly clock: Clock = systemClock,
    private readonly metrics: ReplyMetrics = noReplyMetrics,
    /** Where a model call waits for its turn (the per-user and per-server limits). */
    private readonly slots: GenerationSlots = unlimitedSlots,
    /** Replies on other instances (scaled mode): leases, and stop requests both ways. */
    private readonly replies: ReplyCoordinator = singleInstanceReplies,
  ) {
    this.ticker = setInterval(() => void this.tick(), options.checkpointMs);
    this.ticker.unref();
    replies.onStopRequest((messageId, reason) => void this.stopHere(messageId, reason));
  }

  get activeCount(): number {
    return this.active.size;
  }

  /** Whether this instance generates the reply. */
  isActive(messageId: string): boolean {
    return this.active.has(messageId);
  }

  /** Whether any instance generates the reply (this one, or one holding its lease). */
  isActiveAnywhere(messageId: string): Promise<boolean> {
    return this.active.has(messageId) ? Promise.resolve(true) : this.replies.isActiveElsewhere(messageId);
  }

  start(request: GenerationRequest): void {
    const generation: ActiveGeneration = {
      messageId: request.messageId,
      controller: new AbortController(),
      stopReason: null,
      content: "",
      savedLength: 0,
      saving: null,
      lastWatchedAt: this.clock.now().getTime(),
      log: this.eventLogs.create(request.messageId, request.userId),
      finished: Promise.resolve(),
    };
    this.active.set(request.messageId, generation);
    this.replies.claim(request.messageId);
    generation.finished = this.run(generation, request).finally(() => {
      this.active.delete(request.messageId);
      this.replies.release(request.messageId);
      this.eventLogs.retire(request.messageId);
    });
  }

  /**
   * Stops one reply (never any other) and resolves once its final state is saved; a reply
   * generated on another instance is stopped there (scaled mode).
   */
  async stop(messageId: string, reason: StopReason): Promise<boolean> {
    if (!this.active.has(messageId)) return this.replies.requestStop(messageId, reason);
    return this.stopHere(messageId, reason);
  }

  private async stopHere(messageId: string, reason: StopReason): Promise<boolean> {
    const generation = this.active.get(messageId);
    if (!generation) return false;
    generation.stopReason ??= reason;
    generation.controller.abort();
    await generation.finished;
    return true;
  }

  /** Server shutdown: every running reply ends `interrupted` with its text saved. */
  async shutdown(): Promise<void> {
    clearInterval(this.ticker);
    await Promise.all([...this.active.keys()].map((messageId) => this.stopHere(messageId, "shutdown")));
  }

  private async run(generation: ActiveGeneration, request: GenerationRequest): Promise<void> {
    const { log } = generation;
    const observation = this.metrics.replyStarted(request.model);
    let final: StreamEvent;
    let outcome: FinishedReply;
    let releaseSlot: (() => void) | undefined;
    try {
      const numCtx = request.numCtx;
      const call = { model: request.model, ...(numCtx ? { numCtx } : {}), ...(request.sessionId ? { affinityKey: request.sessionId } : {}) };
      const slot = await this.slots.acquire(request.userId, generation.controller.signal, request.messageId, (ahead) => log.append({ type: "queued", ahead }), call);
      releaseSlot = slot;
      let done: Extract<StreamEvent, { type: "done" }> = { type: "done", promptTokens: null, completionTokens: null, doneReason: null };
      // With slots shared across instances, the call starts on the host its slot was taken on.
      for await (const chunk of this.llm.streamChat({ ...call, messages: request.messages, signal: generation.controller.signal, ...(slot.host ? { host: slot.host } : {}) })) {
        observation.received(chunk);
        if (chunk.type === "delta") {
          generation.content += chunk.text;
          log.append({ type: "delta", text: chunk.text });
        } else {
          done = { type: "done", promptTokens: chunk.promptTokens, completionTokens: chunk.completionTokens, doneReason: chunk.doneReason };
        }
      }
      final = done;
      outcome = { status: "complete", content: generation.content, promptTokens: done.promptTokens, completionTokens: done.completionTokens };
    } catch (error) {
      if (error instanceof LlmAbortedError || generation.controller.signal.aborted) {
        const reason = generation.stopReason ?? "stopped";
        final = { type: "interrupted", reason };
        outcome = { status: "interrupted", content: generation.content, error: interruptionNotes[reason] };
      } else {
        const llmError = error instanceof LlmError ? error : new LlmError("MODEL_ERROR", "The model failed unexpectedly. Try again.", { cause: error });
        this.logger.warn({ messageId: generation.messageId, code: llmError.code }, "model call failed");
        final = { type: "error", code: llmError.code, message: llmError.message };
        outcome = { status: "error", content: generation.content, error: llmError.message };
      }
    }
    releaseSlot?.();
    if (request.moderateReply && outcome.content.length > 0) {
      const withheld = await this.moderate(generation.messageId, request.moderateReply, outcome.content);
      if (withheld !== null) {
        log.withdrawText();
        generation.content = "";
        final = { type: "error", code: "CONTENT_BLOCKED", message: withheld };
        outcome = { status: "error", content: "", error: withheld };
      }
    }
    observation.finished(final);
    if (request.sourcesFor && outcome.content.length > 0) outcome = { ...outcome, sources: request.sourcesFor(outcome.content) };
    await generation.saving;
    await this.saveFinal(generation.messageId, outcome);
    log.append(final);
    try {
      request.onFinished?.({ status: outcome.status, content: outcome.content, promptTokens: outcome.promptTokens ?? null });
    } catch (error) {
      this.logger.warn({ messageId: generation.messageId, error: describeError(error) }, "memory upkeep after a reply failed");
    }
  }

  /** A moderation call that fails outright (not a verdict) withholds the reply: the safe side. */
  private async moderate(messageId: string, moderateReply: (content: string) => Promise<string | null>, content: string): Promise<string | null> {
    try {
      return await moderateReply(content);
    } catch (error) {
      this.logger.warn({ messageId, error: describeError(error) }, "reply moderation failed; reply withheld");
      return "The reply was withheld because it could not be checked. Try again.";
    }
  }

  private async saveFinal(messageId: string, outcome: FinishedReply): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.store.finish(messageId, outcome);
        return;
      } catch (error) {
        if (attempt >= 3) {
          this.logger.error({ messageId, error: describeError(error) }, "could not save the final state of a reply");
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  }

  /** Periodic upkeep: checkpoint growing replies, stop replies nobody watches any more. */
  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const now = this.clock.now().getTime();
      for (const generation of this.active.values()) {
        if (generation.log.readerCount > 0) generation.lastWatchedAt = now;
        else if (now - generation.lastWatchedAt > this.options.abandonAfterMs) void this.stopHere(generation.messageId, "client-gone");
        if (generation.content.length > generation.savedLength && !generation.controller.signal.aborted) {
          const content = generation.content;
          generation.saving = this.store.checkpoint(generation.messageId, content).then(
            () => { generation.savedLength = content.length; },
            (error: unknown) => this.logger.warn({ messageId: generation.messageId, error: describeError(error) }, "checkpoint failed; will retry"),
          );
          await generation.saving;
          generation.saving = null;
        }
      }
    } finally {
      this.ticking = false;
    }
  }
}
