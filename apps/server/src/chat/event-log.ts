import type { StreamEvent } from "@recall/schema";
import { isFinalStreamEvent } from "@recall/schema";

export interface LoggedEvent {
  /** 1-based and dense within a message, so "after id N" is an array index. */
  id: number;
  event: StreamEvent;
}

/**
 * The event log of one assistant message. The generator appends; any number of
 * readers (subscriptions, including reconnects) read from any position. Readers
 * that wake up to several pending deltas merge them into one frame, which is what
 * keeps the per-token cost low when many streams are live.
 */
export class MessageEventLog {
  private readonly events: LoggedEvent[] = [];
  private waiters: Array<() => void> = [];
  private readers = 0;
  finished = false;

  constructor(
    readonly messageId: string,
    /** The user the reply belongs to: readers are checked against it. */
    readonly ownerId: string,
  ) {}

  get lastId(): number {
    return this.events.length;
  }

  get readerCount(): number {
    return this.readers;
  }

  append(event: StreamEvent): void {
    if (this.finished) throw new Error(`Event log of ${this.messageId} is already finished.`);
    this.events.push({ id: this.events.length + 1, event });
    if (isFinalStreamEvent(event)) this.finished = true;
    this.wakeReaders();
  }

  /**
   * Blanks the text every delta carried (a reply withheld by moderation): a reader arriving
   * later gets no trace of it. Ids stay, so a reader resuming mid-log is not confused.
   */
  withdrawText(): void {
    for (const entry of this.events) {
      if (entry.event.type === "delta") entry.event = { type: "delta", text: "" };
    }
  }

  /** Events after `afterId`, with consecutive deltas merged into one. */
  readAfter(afterId: number): LoggedEvent[] {
    const pending = this.events.slice(Math.max(0, afterId));
    const frames: LoggedEvent[] = [];
    for (const entry of pending) {
      const previous = frames.at(-1);
      if (previous && previous.event.type === "delta" && entry.event.type === "delta") {
        frames[frames.length - 1] = { id: entry.id, event: { type: "delta", text: previous.event.text + entry.event.text } };
      } else {
        frames.push(entry);
      }
    }
    return frames;
  }

  /**
   * Resolves when an event after `afterId` exists or the log finishes. No signal here:
   * an abort listener per wait costs more than the token it waits for; a reader that
   * is going away calls `wakeReaders()` once instead.
   */
  waitForEventsAfter(afterId: number): Promise<void> {
    if (this.events.length > afterId || this.finished) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Wakes every waiting reader; each re-checks its own state and waits again if it must. */
  wakeReaders(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Readers are counted so a reply nobody watches any more can be stopped (the generation ticker checks). */
  attachReader(): () => void {
    this.readers += 1;
    let detached = false;
    return () => {
      if (detached) return;
      detached = true;
      this.readers -= 1;
    };
  }
}

export interface EventLogStoreOptions {
  /** How long a finished log stays for precise resumption before readers get a snapshot. */
  retainFinishedMs: number;
}

/** In-process event logs for one server. The scale-out issue puts the same interface on Redis. */
export class EventLogStore {
  private readonly logs = new Map<string, MessageEventLog>();
  private readonly evictionTimers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly options: EventLogStoreOptions) {}

  create(messageId: string, ownerId: string): MessageEventLog {
    const log = new MessageEventLog(messageId, ownerId);
    this.logs.set(messageId, log);
    return log;
  }

  get(messageId: string): MessageEventLog | undefined {
    return this.logs.get(messageId);
  }

  /** Call after the final event: the log stays readable for a while, then goes. */
  retire(messageId: string): void {
    const timer = setTimeout(() => {
      this.logs.delete(messageId);
      this.evictionTimers.delete(messageId);
    }, this.options.retainFinishedMs);
    timer.unref();
    this.evictionTimers.set(messageId, timer);
  }

  get size(): number {
    return this.logs.size;
  }

  clear(): void {
    for (const timer of this.evictionTimers.values()) clearTimeout(timer);
    this.evictionTimers.clear();
    this.logs.clear();
  }
}
