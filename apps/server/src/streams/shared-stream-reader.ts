import type { Redis } from "ioredis";
import type { LoggedEvent, MessageEventLog } from "../chat/event-log.ts";
import { isReady } from "./redis-connections.ts";
import { entryId, parseEntries } from "./stream-entries.ts";

type RawReply = Array<[key: string, entries: Array<[string, string[]]>]> | null;

/** How long one XREAD blocks when nothing arrives (it is cut short when a stream is added). */
const blockMs = 2000;

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds).unref());
}

/**
 * One blocking connection per instance for every log mirrored here: a single XREAD BLOCK over
 * all watched streams, each from its mirror's last id. A new stream cuts the current block short
 * (CLIENT UNBLOCK from the command connection) so its reader waits for nothing but tokens.
 * Entries are appended to the mirror only when they continue it densely; a gap (the stream was
 * rewritten, or Redis restarted) is filled from XRANGE first.
 */
export class SharedStreamReader {
  private readonly watched = new Map<string, MessageEventLog>();
  private blockingClientId: number | null = null;
  private blocked = false;
  private wakeIdle: (() => void) | null = null;
  private closed = false;
  private readonly done: Promise<void>;

  constructor(
    private readonly blocking: Redis,
    private readonly command: Redis,
    private readonly streamKey: (messageId: string) => string,
  ) {
    blocking.on("close", () => (this.blockingClientId = null));
    this.done = this.loop();
  }

  get watchedCount(): number {
    return this.watched.size;
  }

  watch(log: MessageEventLog): void {
    this.watched.set(log.messageId, log);
    this.interrupt();
  }

  unwatch(messageId: string): void {
    this.watched.delete(messageId);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.interrupt();
    await this.done;
  }

  private interrupt(): void {
    if (this.wakeIdle) {
      this.wakeIdle();
      return;
    }
    if (this.blocked && this.blockingClientId !== null && isReady(this.command)) {
      this.command.client("UNBLOCK", this.blockingClientId).catch(() => undefined);
    }
  }

  private async loop(): Promise<void> {
    while (!this.closed) {
      if (this.watched.size === 0 || !isReady(this.blocking)) {
        await new Promise<void>((resolve) => {
          this.wakeIdle = resolve;
          setTimeout(resolve, 250).unref();
        });
        this.wakeIdle = null;
        continue;
      }
      try {
        this.blockingClientId ??= Number(await this.blocking.client("ID"));
        const logs = [...this.watched.values()];
        const keys = logs.map((log) => this.streamKey(log.messageId));
        const ids = logs.map((log) => entryId(log.lastId));
        this.blocked = true;
        const reply = (await this.blocking.call("XREAD", "BLOCK", String(blockMs), "STREAMS", ...keys, ...ids)) as RawReply;
        this.blocked = false;
        if (reply) await this.deliver(reply, logs, keys);
      } catch {
        // Redis away (the connection retries by itself): the mirrors wait, and go on from their last id.
        this.blocked = false;
        await sleep(200);
      }
    }
  }

  private async deliver(reply: NonNullable<RawReply>, logs: MessageEventLog[], keys: string[]): Promise<void> {
    for (const [key, rawEntries] of reply) {
      const log = logs[keys.indexOf(key)];
      if (!log) continue;
      let entries = parseEntries(rawEntries);
      if (entries[0] && entries[0].id > log.lastId + 1) {
        // A gap: read what is missing first.
        entries = parseEntries((await this.command.xrange(key, entryId(log.lastId + 1), "+")) as Array<[string, string[]]>);
      }
      appendContinuing(log, entries);
      if (log.finished) this.watched.delete(log.messageId);
    }
  }
}

/** Appends the entries that continue the log densely; the rest (already held, or past a gap) are skipped. */
export function appendContinuing(log: MessageEventLog, entries: readonly LoggedEvent[]): void {
  for (const entry of entries) {
    if (log.finished) return;
    if (entry.id === log.lastId + 1) log.append(entry.event);
  }
}
