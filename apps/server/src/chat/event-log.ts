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
  /** Scaled mode: readers on other instances (the shared log reports them); counted so the reply is not abandoned. */
  remoteReaders = 0;
  /** Scaled mode: told of every change, to copy it to the shared log; null in one process (no cost on the hot path). */
  onChange: ((log: MessageEventLog) => void) | null = null;
  /**
   * Scaled mode: readers here see events up to this id only, the ones the shared log already
   * holds, so no client ever has an event that a resume on another instance could not continue
   * from (the writer may die between delivering and copying). Null: every event (one process,
   * or the shared log unreachable: local readers are not held back by an outage).
   */
  private visibleId: number | null = null;

  constructor(
    readonly messageId: string,
    /** The user the reply belongs to: readers are checked against it. */
    readonly ownerId: string,
  ) {}

  get lastId(): number {
    return this.events.length;
  }

  /** The last event readers may have (`visibleId`, or every event). */
  private get readableId(): number {
    return this.visibleId === null ? this.events.length : Math.min(this.visibleId, this.events.length);
  }

  /** Finished, and the final event readable. */
  private get readableToEnd(): boolean {
    return this.finished && this.readableId === this.events.length;
  }

  /** Scaled mode: readers wait for the shared log (0 before the first copy). */
  holdForSharedCopy(): void {
    this.visibleId = 0;
  }

  /** The shared log holds events up to `id`: readers may have them. Null: stop holding back. */
  publishUpTo(id: number | null): void {
    if (id === this.visibleId) return;
    this.visibleId = id === null ? null : Math.max(id, this.visibleId ?? 0);
    this.wakeReaders();
  }

  get readerCount(): number {
    return this.readers + this.remoteReaders;
  }

  /** Readers attached on this instance only. */
  get localReaderCount(): number {
    return this.readers;
  }

  append(event: StreamEvent): void {
    if (this.finished) throw new Error(`Event log of ${this.messageId} is already finished.`);
    this.events.push({ id: this.events.length + 1, event });
    if (isFinalStreamEvent(event)) this.finished = true;
    this.wakeReaders();
    this.onChange?.(this);
  }

  /** The entries with ids from `firstId` on, unmerged (what the shared log copies). */
  entriesFrom(firstId: number): readonly LoggedEvent[] {
    return this.events.slice(Math.max(0, firstId - 1));
  }

  /**
   * Blanks the text every delta carried (a reply withheld by moderation): a reader arriving
   * later gets no trace of it. Ids stay, so a reader resuming mid-log is not confused.
   */
  withdrawText(): void {
    for (const entry of this.events) {
      if (entry.event.type === "delta") entry.event = { type: "delta", text: "" };
    }
    this.textWithdrawn = true;
    this.onChange?.(this);
  }

  /** Set once `withdrawText` ran: the shared log rewrites what it holds. */
  textWithdrawn = false;

  /** Events after `afterId`, with consecutive deltas merged into one. */
  readAfter(afterId: number): LoggedEvent[] {
    const pending = this.events.slice(Math.max(0, afterId), this.readableId);
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
    if (this.readableId > afterId || this.readableToEnd) return Promise.resolve();
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

/**
 * The port: where replies' event logs live. `create`/`get`/`retire` serve the instance that
 * generates a reply (its log is always in process, so the hot path never waits on the network);
 * `openShared` finds a log another instance writes (scaled mode), or resolves undefined.
 */
export interface EventLogs {
  create(messageId: string, ownerId: string): MessageEventLog;
  /** A log written on this instance (live, or finished and retained). */
  get(messageId: string): MessageEventLog | undefined;
  /**
   * A log written elsewhere, mirrored here while it has readers; waits (briefly) until it holds
   * `afterId`. Undefined when there is none, or the shared store is unreachable (the caller
   * falls back to the saved text).
   */
  openShared(messageId: string, afterId: number): Promise<MessageEventLog | undefined>;
  /** Call after the final event: the log stays readable for a while, then goes. */
  retire(messageId: string): void;
  readonly size: number;
  clear(): void;
}

/** In-process event logs for one server (the one-laptop mode, and each instance's own replies in the scaled mode). */
export class EventLogStore implements EventLogs {
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

  /** One process: every log is local. */
  openShared(): Promise<MessageEventLog | undefined> {
    return Promise.resolve(undefined);
  }

  /** The logs written here that are still live (the scaled mode re-copies them after Redis comes back). */
  liveLogs(): IterableIterator<MessageEventLog> {
    return this.logs.values();
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
