import type { LlmChunk } from "@recall/ollama";
import type { StreamEvent } from "@recall/schema";

/** One reply as the generation manager sees it; the metrics side decides what to count. */
export interface ReplyObservation {
  /** Every chunk from the model: the first delta times the first token. */
  received(chunk: LlmChunk): void;
  /** The event that ended the reply (`done`, `interrupted` or `error`). */
  finished(final: StreamEvent): void;
}

/** The port GenerationManager reports through; RecallMetrics implements it. */
export interface ReplyMetrics {
  replyStarted(model: string): ReplyObservation;
}

const ignored: ReplyObservation = { received() {}, finished() {} };

/** For managers built without metrics (tests, tools). */
export const noReplyMetrics: ReplyMetrics = { replyStarted: () => ignored };
