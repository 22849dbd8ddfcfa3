import { isFinalStreamEvent } from "@recall/schema";
import type { EventLogs, LoggedEvent, MessageEventLog } from "./event-log.ts";

/** `lastEventId` as a position in a reply's log: 0 for none, NaN for one that is not ours. */
export function parseEventId(lastEventId: string | null | undefined): number {
  if (!lastEventId) return 0;
  const id = Number(lastEventId);
  return Number.isSafeInteger(id) && id >= 0 ? id : Number.NaN;
}

export interface LiveReply {
  log: MessageEventLog;
  /** The last event the reader has: frames start after it. */
  cursor: number;
}

/**
 * The live log of a user's reply, read from `lastEventId` on: written here, or (scaled mode)
 * mirrored from the instance writing it. Null when there is none to resume precisely (gone,
 * not theirs, an id it never gave out): the caller sends the saved text instead.
 */
export async function openLiveReply(eventLogs: EventLogs, userId: string, messageId: string, lastEventId: string | null | undefined): Promise<LiveReply | null> {
  const cursor = parseEventId(lastEventId);
  if (Number.isNaN(cursor)) return null;
  // A live log knows its owner, so the hot path (subscribe, reconnect) needs no query.
  const log = eventLogs.get(messageId) ?? (await eventLogs.openShared(messageId, cursor));
  if (!log || log.ownerId !== userId || cursor > log.lastId) return null;
  return { log, cursor };
}

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

/**
 * A reader's frames, up to and including the final event: consecutive deltas pending at a
 * wake-up go as one frame. With `frameMs`, the first token goes at once and later ones gather
 * for up to that long (fewer, larger frames). The reader counts as watching until it returns.
 */
export async function* replyFrames({ log, cursor: from }: LiveReply, frameMs: number, signal: AbortSignal | undefined): AsyncGenerator<LoggedEvent> {
  let cursor = from;
  const detach = log.attachReader();
  const wake = (): void => log.wakeReaders();
  signal?.addEventListener("abort", wake, { once: true });
  let lastFrameAt = 0;
  try {
    while (!signal?.aborted) {
      await log.waitForEventsAfter(cursor);
      const wait = lastFrameAt + frameMs - performance.now();
      if (wait > 0 && !log.finished) await sleep(wait);
      lastFrameAt = performance.now();
      for (const frame of log.readAfter(cursor)) {
        cursor = frame.id;
        yield frame;
        // A `queued` event (the reply's place while it waits for a model slot) is not the end.
        if (isFinalStreamEvent(frame.event)) return;
      }
    }
  } finally {
    signal?.removeEventListener("abort", wake);
    detach();
  }
}
