import type { MessageStatus, StreamEvent } from "@recall/schema";

export type InterruptReason = Extract<StreamEvent, { type: "interrupted" }>["reason"];

/** One event as `tracked()` delivers it: the id is what a reconnect resumes after. */
export interface TrackedStreamEvent {
  id: string;
  data: StreamEvent;
}

/** What the live stream has said so far about one assistant message. */
export interface LiveMessage {
  /** False until the first event: until then the stored row is the better source. */
  received: boolean;
  content: string;
  status: MessageStatus;
  error: string | null;
  interruptReason: InterruptReason | null;
  promptTokens: number | null;
  completionTokens: number | null;
  /** Replies ahead of this one while it waits for the model (the latest `queued` event); null once it runs. */
  queuedAhead: number | null;
  seenEventIds: ReadonlySet<string>;
}

export const initialLiveMessage: LiveMessage = {
  received: false,
  content: "",
  status: "streaming",
  error: null,
  interruptReason: null,
  promptTokens: null,
  completionTokens: null,
  queuedAhead: null,
  seenEventIds: new Set(),
};

export function isFinished(state: LiveMessage): boolean {
  return state.status !== "streaming";
}

/**
 * Folds one stream event into the live message. A subscription that starts without a
 * lastEventId replays the log from the start, so an event id already applied is ignored
 * rather than appended twice. Snapshots are the exception: they replace the whole text, so
 * applying one again is harmless and a repeated id may carry newer text. Nothing after a
 * final event changes the message.
 */
export function applyStreamEvent(state: LiveMessage, event: TrackedStreamEvent): LiveMessage {
  if (isFinished(state)) return state;
  if (event.data.type !== "snapshot" && state.seenEventIds.has(event.id)) return state;
  const next: LiveMessage = { ...state, received: true, seenEventIds: new Set(state.seenEventIds).add(event.id) };
  const data = event.data;
  switch (data.type) {
    case "queued":
      return { ...next, queuedAhead: data.ahead };
    case "delta":
      return { ...next, queuedAhead: null, content: state.content + data.text };
    case "snapshot":
      return { ...next, queuedAhead: null, content: data.content, status: data.status };
    case "done":
      return { ...next, status: "complete", promptTokens: data.promptTokens, completionTokens: data.completionTokens };
    case "interrupted":
      return { ...next, status: "interrupted", interruptReason: data.reason };
    case "error":
      // A reply withheld by moderation is withdrawn from the page, as it is from the database.
      return { ...next, status: "error", error: data.message, ...(data.code === "CONTENT_BLOCKED" ? { content: "" } : {}) };
  }
}
