import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";

/** Takes a lease when the user has fewer than `max` live ones; drops expired ones first. */
const takeScript = `
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
  local count = redis.call('ZCARD', KEYS[1])
  if count >= tonumber(ARGV[3]) then return -count end
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
  return count + 1
`;

type LeaseRedis = Redis & { recallTakeReplyLease(key: string, now: number, expiresAt: number, max: number, member: string, ttl: number): Promise<number> };

export type LeaseOutcome = { taken: true; release: () => void } | { taken: false; inFlight: number };

/**
 * A user's replies in flight counted across every instance sharing Redis: one sorted set per
 * user of leases that expire unless their instance renews them (so a crashed instance's replies
 * stop counting after `leaseMs`). Redis unreachable: the lease is granted (fail open), like the rates.
 */
export class SharedReplyLeases {
  private readonly held = new Map<string, string>();
  private readonly renewer: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    private readonly max: number,
    private readonly leaseMs = 60_000,
  ) {
    if (!("recallTakeReplyLease" in redis)) redis.defineCommand("recallTakeReplyLease", { numberOfKeys: 1, lua: takeScript });
    this.renewer = setInterval(() => void this.renew(), Math.max(1000, Math.floor(leaseMs / 3)));
    this.renewer.unref();
  }

  async take(userId: string): Promise<LeaseOutcome> {
    const member = randomUUID();
    const key = this.keyOf(userId);
    const now = Date.now();
    let result: number;
    try {
      result = await (this.redis as LeaseRedis).recallTakeReplyLease(key, now, now + this.leaseMs, this.max, member, this.leaseMs * 2);
    } catch {
      return { taken: true, release: () => undefined };
    }
    if (result <= 0) return { taken: false, inFlight: -result };
    this.held.set(member, key);
    return {
      taken: true,
      release: () => {
        if (!this.held.delete(member)) return;
        this.redis.zrem(key, member).catch(() => undefined);
      },
    };
  }

  close(): void {
    clearInterval(this.renewer);
  }

  private keyOf(userId: string): string {
    return `recall:limit:replies:${userId}`;
  }

  private async renew(): Promise<void> {
    if (this.held.size === 0) return;
    const expiresAt = Date.now() + this.leaseMs;
    const pipeline = this.redis.pipeline();
    for (const [member, key] of this.held) {
      pipeline.zadd(key, "XX", expiresAt, member);
      pipeline.pexpire(key, this.leaseMs * 2);
    }
    await pipeline.exec().catch(() => undefined);
  }
}
