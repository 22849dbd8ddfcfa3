import type { Redis } from "ioredis";
import { EventLogStore, MessageEventLog, type EventLogs } from "../chat/event-log.ts";
import { isReady, type StreamKeys } from "./redis-connections.ts";
import { SharedStreamReader, appendContinuing } from "./shared-stream-reader.ts";
import { appendEntriesScript, entryFields, parseEntries } from "./stream-entries.ts";

export interface RedisEventLogsOptions {
  /** How long a finished log stays in Redis for precise resumption. */
  retainFinishedMs: number;
  /** The TTL of a live log, refreshed by every write (a writer that dies leaves nothing forever). */
  liveTtlMs?: number;
  /** How long a reader that resumes past what the mirror holds waits for it before taking the snapshot. */
  openWaitMs?: number;
}

type AppendResult = [ok: number, lastId: number];

interface WrittenLog {
  log: MessageEventLog;
  /** The last id Redis has confirmed. */
  flushedId: number;
  /** The log's text was withdrawn after some of it was copied: rewrite the stream. */
  rewrite: boolean;
  withdrawalSeen: boolean;
}

interface Mirror {
  log: MessageEventLog;
  openedAt: number;
}

/** A mirror nobody reads any more goes after this (time for the reader that opened it to attach). */
const mirrorGraceMs = 2000;
const upkeepMs = 1000;

/**
 * The scaled mode's event logs (Redis Streams). The instance that generates a reply writes its log
 * in process (readers here never wait on Redis) and copies every entry to `events:<messageId>` with
 * its own dense id, batched: appends within one tick go in one pipeline, one flush at a time.
 * Readers on other instances mirror the stream through one shared blocking connection.
 * Redis unreachable: this instance's readers go on; copies resume (from the first missing entry,
 * even into an emptied Redis) once it is back.
 */
export class RedisEventLogs implements EventLogs {
  private readonly local: EventLogStore;
  private readonly written = new Map<string, WrittenLog>();
  private readonly dirty = new Set<WrittenLog>();
  private readonly mirrors = new Map<string, Mirror>();
  private readonly reader: SharedStreamReader;
  private readonly upkeep: NodeJS.Timeout;
  private flushScheduled = false;
  private flushing: Promise<void> | null = null;
  private readonly liveTtlMs: number;
  private readonly openWaitMs: number;

  constructor(
    private readonly command: Redis,
    blocking: Redis,
    private readonly keys: StreamKeys,
    private readonly options: RedisEventLogsOptions,
  ) {
    this.local = new EventLogStore({ retainFinishedMs: options.retainFinishedMs });
    this.liveTtlMs = options.liveTtlMs ?? 3_600_000;
    this.openWaitMs = options.openWaitMs ?? 1500;
    if (!("recallAppendEvents" in command)) command.defineCommand("recallAppendEvents", { numberOfKeys: 2, lua: appendEntriesScript });
    this.reader = new SharedStreamReader(blocking, command, keys.events);
    // Back from an outage: copy whatever the outage held back (the script finds where Redis stands).
    command.on("ready", () => {
      for (const written of this.written.values()) this.markDirty(written);
    });
    this.upkeep = setInterval(() => void this.runUpkeep(), upkeepMs);
    this.upkeep.unref();
  }

  create(messageId: string, ownerId: string): MessageEventLog {
    const log = this.local.create(messageId, ownerId);
    const written: WrittenLog = { log, flushedId: 0, rewrite: false, withdrawalSeen: false };
    this.written.set(messageId, written);
    log.onChange = () => this.markDirty(written);
    // Readers here get what Redis holds: a client never has an event a resume elsewhere lacks.
    if (isReady(this.command)) log.holdForSharedCopy();
    // Before any token: a reader elsewhere must find the owner while the reply waits for its model.
    if (isReady(this.command)) this.command.set(this.keys.owner(messageId), ownerId, "PX", this.liveTtlMs).catch(() => this.markDirty(written));
    else this.markDirty(written);
    return log;
  }

  get(messageId: string): MessageEventLog | undefined {
    return this.local.get(messageId);
  }

  retire(messageId: string): void {
    this.local.retire(messageId);
  }

  get size(): number {
    return this.local.size;
  }

  /** Logs read here that another instance writes (for tests and metrics). */
  get mirrorCount(): number {
    return this.mirrors.size;
  }

  clear(): void {
    this.local.clear();
    this.written.clear();
    this.dirty.clear();
    this.mirrors.clear();
  }

  async openShared(messageId: string, afterId: number): Promise<MessageEventLog | undefined> {
    if (!isReady(this.command)) return undefined;
    // A finished log is read afresh (it may have expired, or been rewritten); a live one is shared.
    let mirror = this.mirrors.get(messageId);
    if (mirror?.log.finished) {
      this.mirrors.delete(messageId);
      mirror = undefined;
    }
    if (!mirror) {
      let owner: string | null;
      let entries: Array<[string, string[]]>;
      try {
        const results = await this.command.pipeline().get(this.keys.owner(messageId)).xrange(this.keys.events(messageId), "-", "+").exec();
        const [ownerResult, entriesResult] = results ?? [];
        if (!ownerResult || !entriesResult || ownerResult[0] || entriesResult[0]) return undefined;
        owner = ownerResult[1] as string | null;
        entries = entriesResult[1] as Array<[string, string[]]>;
      } catch {
        return undefined;
      }
      if (owner === null) return undefined;
      mirror = this.mirrors.get(messageId);
      if (!mirror) {
        const log = new MessageEventLog(messageId, owner);
        appendContinuing(log, parseEntries(entries));
        mirror = { log, openedAt: Date.now() };
        if (log.finished) return log;
        this.mirrors.set(messageId, mirror);
        this.reader.watch(log);
      }
    }
    const { log } = mirror;
    mirror.openedAt = Date.now();
    // Resuming from an id this instance has not seen yet (the writer's copy lags by a tick): wait for it.
    const deadline = Date.now() + this.openWaitMs;
    while (afterId > log.lastId && !log.finished && Date.now() < deadline) {
      await Promise.race([log.waitForEventsAfter(afterId - 1), sleep(deadline - Date.now())]);
    }
    return log;
  }

  /** Copies everything written so far (shutdown: the final events reach Redis before the connection closes). */
  async drain(timeoutMs = 2000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((this.dirty.size > 0 || this.flushing) && isReady(this.command) && Date.now() < deadline) {
      await (this.flushing ?? this.flush());
    }
  }

  async close(): Promise<void> {
    clearInterval(this.upkeep);
    await this.drain();
    await this.reader.close();
  }

  private markDirty(written: WrittenLog): void {
    // Redis unreachable: local readers are not held back by the outage (degraded: a resume elsewhere may miss the newest events).
    if (!isReady(this.command)) written.log.publishUpTo(null);
    if (written.log.textWithdrawn && !written.withdrawalSeen) {
      written.withdrawalSeen = true;
      written.rewrite = true;
    }
    this.dirty.add(written);
    if (this.flushScheduled || this.flushing) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      void this.flush();
    });
  }

  private flush(): Promise<void> {
    if (this.flushing || this.dirty.size === 0 || !isReady(this.command)) return this.flushing ?? Promise.resolve();
    this.flushing = this.copyDirty().finally(() => {
      this.flushing = null;
      // Appends made while this flush was out go in the next one.
      if (this.dirty.size > 0 && isReady(this.command) && !this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => {
          this.flushScheduled = false;
          void this.flush();
        });
      }
    });
    return this.flushing;
  }

  private async copyDirty(): Promise<void> {
    const batch = [...this.dirty];
    this.dirty.clear();
    const pipeline = this.command.pipeline() as ReturnType<Redis["pipeline"]> & { recallAppendEvents(...args: Array<string | number>): unknown };
    const sent: Array<{ written: WrittenLog; rewrite: boolean; lastId: number }> = [];
    for (const written of batch) {
      const { log } = written;
      const rewrite = written.rewrite;
      const first = rewrite ? 1 : written.flushedId + 1;
      const entries = log.entriesFrom(first);
      if (entries.length === 0 && !rewrite && written.flushedId > 0) continue;
      const args: string[] = [];
      for (const entry of entries) args.push(...entryFields(entry.event));
      const ttl = log.finished ? this.options.retainFinishedMs : this.liveTtlMs;
      pipeline.recallAppendEvents(this.keys.events(log.messageId), this.keys.owner(log.messageId), first, ttl, log.ownerId, rewrite ? "1" : "0", ...args);
      written.rewrite = false;
      sent.push({ written, rewrite, lastId: log.lastId });
    }
    if (sent.length === 0) return;
    let results: Array<[Error | null, unknown]> | null = null;
    try {
      results = await pipeline.exec();
    } catch {
      results = null;
    }
    sent.forEach(({ written, rewrite, lastId }, index) => {
      const result = results?.[index];
      if (!result || result[0]) {
        // Not copied: tried again when Redis answers (upkeep, or its `ready`); readers here go on meanwhile.
        if (rewrite) written.rewrite = true;
        this.dirty.add(written);
        written.log.publishUpTo(null);
        return;
      }
      const [ok, held] = result[1] as AppendResult;
      written.flushedId = held;
      written.log.publishUpTo(held);
      if (!ok || held < written.log.lastId) this.dirty.add(written);
      else if (written.log.finished && held >= lastId) this.written.delete(written.log.messageId);
    });
  }

  private async runUpkeep(): Promise<void> {
    if (!isReady(this.command)) return;
    if (this.dirty.size > 0) void this.flush();
    const now = Date.now();
    const watched: string[] = [];
    for (const [messageId, mirror] of this.mirrors) {
      if (mirror.log.localReaderCount > 0) {
        mirror.openedAt = now;
        if (!mirror.log.finished) watched.push(messageId);
      } else if (now - mirror.openedAt > mirrorGraceMs) {
        this.mirrors.delete(messageId);
        this.reader.unwatch(messageId);
      }
    }
    if (watched.length === 0) return;
    // Readers here keep the writer from stopping the reply as abandoned.
    const pipeline = this.command.pipeline();
    for (const messageId of watched) pipeline.set(this.keys.watched(messageId), "1", "PX", upkeepMs * 3);
    await pipeline.exec().catch(() => undefined);
  }
}

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, milliseconds)).unref());
}
