import { streamEndReasons, type StreamEndReason } from "@recall/schema";
import type { Redis } from "ioredis";
import { isReady, type StreamKeys } from "./redis-connections.ts";
import type { ReplyCoordinator } from "./reply-coordinator.ts";

export interface RedisReplyCoordinatorOptions {
  /** Unique per process: a lease says which instance holds it. */
  instanceId: string;
  /** A lease not renewed for this long has lapsed (its instance is gone); renewed every third of it. */
  leaseMs: number;
  /** The longest `requestStop` waits for the reply to end. */
  stopWaitMs?: number;
  /** Told, at every renewal, whether readers on other instances watch a reply generated here. */
  onWatched?: (messageId: string, watchedElsewhere: boolean) => void;
}

/**
 * Leases and stop requests in Redis: `lease:<messageId>` (this instance's id, PX leaseMs) renewed
 * while the reply is generated here; stop requests on one pub/sub channel every instance listens
 * to. Redis away: leases are renewed as soon as it is back, and the answers fail open (a reply
 * elsewhere is not seen as active; a stop reaches only this instance).
 */
export class RedisReplyCoordinator implements ReplyCoordinator {
  private readonly held = new Set<string>();
  private readonly renewer: NodeJS.Timeout;
  private readonly stopHandlers: Array<(messageId: string, reason: StreamEndReason) => void> = [];

  constructor(
    private readonly command: Redis,
    private readonly subscriber: Redis,
    private readonly keys: StreamKeys,
    private readonly options: RedisReplyCoordinatorOptions,
  ) {
    this.renewer = setInterval(() => void this.renew(), Math.max(200, Math.floor(options.leaseMs / 3)));
    this.renewer.unref();
    command.on("ready", () => void this.renew());
    // Subscribed again on every reconnect (SUBSCRIBE is idempotent).
    subscriber.on("ready", () => void subscriber.subscribe(keys.stopChannel).catch(() => undefined));
    subscriber.on("message", (channel: string, payload: string) => {
      if (channel === keys.stopChannel) this.heardStop(payload);
    });
  }

  claim(messageId: string): void {
    this.held.add(messageId);
    if (isReady(this.command)) this.command.set(this.keys.lease(messageId), this.options.instanceId, "PX", this.options.leaseMs).catch(() => undefined);
  }

  release(messageId: string): void {
    if (!this.held.delete(messageId)) return;
    if (isReady(this.command)) this.command.del(this.keys.lease(messageId)).catch(() => undefined);
  }

  async isActiveElsewhere(messageId: string): Promise<boolean> {
    if (this.held.has(messageId) || !isReady(this.command)) return false;
    try {
      return (await this.command.exists(this.keys.lease(messageId))) === 1;
    } catch {
      return false;
    }
  }

  async requestStop(messageId: string, reason: StreamEndReason): Promise<boolean> {
    if (!(await this.isActiveElsewhere(messageId))) return false;
    try {
      await this.command.publish(this.keys.stopChannel, JSON.stringify({ messageId, reason }));
    } catch {
      return false;
    }
    const deadline = Date.now() + (this.options.stopWaitMs ?? 10_000);
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      if (!(await this.isActiveElsewhere(messageId))) break;
    }
    return true;
  }

  onStopRequest(handler: (messageId: string, reason: StreamEndReason) => void): void {
    this.stopHandlers.push(handler);
  }

  close(): void {
    clearInterval(this.renewer);
  }

  /** Leases still held when the connection closes lapse by themselves; release what can be released now. */
  async releaseAll(): Promise<void> {
    if (this.held.size === 0 || !isReady(this.command)) return;
    await this.command.del(...[...this.held].map((messageId) => this.keys.lease(messageId))).catch(() => undefined);
    this.held.clear();
  }

  private heardStop(payload: string): void {
    let request: { messageId?: unknown; reason?: unknown };
    try {
      request = JSON.parse(payload) as typeof request;
    } catch {
      return;
    }
    const { messageId, reason } = request;
    if (typeof messageId !== "string" || !this.held.has(messageId)) return;
    const known = (streamEndReasons as readonly unknown[]).includes(reason) ? (reason as StreamEndReason) : "stopped";
    for (const handler of this.stopHandlers) handler(messageId, known);
  }

  private async renew(): Promise<void> {
    if (this.held.size === 0 || !isReady(this.command)) return;
    const messageIds = [...this.held];
    const pipeline = this.command.pipeline();
    for (const messageId of messageIds) {
      pipeline.set(this.keys.lease(messageId), this.options.instanceId, "PX", this.options.leaseMs);
      pipeline.exists(this.keys.watched(messageId));
    }
    const results = await pipeline.exec().catch(() => null);
    if (!results || !this.options.onWatched) return;
    messageIds.forEach((messageId, index) => {
      const watched = results[index * 2 + 1];
      if (watched && !watched[0]) this.options.onWatched?.(messageId, watched[1] === 1);
    });
  }
}
