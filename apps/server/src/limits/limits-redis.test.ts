import { createTestDatabase, type TestDatabase } from "@recall/db/testing";
import { TRPCClientError } from "@trpc/client";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RecallConfig } from "../env.ts";
import { collectStream, startHarness, type Harness, type RecallClient } from "../testing/harness.ts";
import { startRedisProcess, type RedisProcess } from "../testing/redis-process.ts";
import { relaxedLimitSettings, type LimitSettings } from "./limit-settings.ts";

let redis: RedisProcess;
let database: TestDatabase | undefined;
let instances: Harness[] = [];

beforeAll(async () => {
  redis = await startRedisProcess();
});
afterAll(async () => {
  await redis.kill();
});
afterEach(async () => {
  await Promise.all(instances.map((instance) => instance.close()));
  instances = [];
  await database?.close();
  database = undefined;
});

/** Two Recall servers with the same REDIS_URL and database, as behind a load balancer. */
async function startPair(limits: Partial<LimitSettings>): Promise<[Harness, Harness]> {
  database = await createTestDatabase();
  const config: Partial<RecallConfig> = { redisUrl: redis.url, limits: { ...relaxedLimitSettings, ...limits } };
  const fake = { tokensPerSecond: 2000, firstTokenLatencyMs: 0 };
  instances = [await startHarness({ config, database, fake }), await startHarness({ config, database, fake })];
  return [instances[0]!, instances[1]!];
}

async function refusedCode(call: Promise<unknown>): Promise<string | undefined> {
  const error = await call.then(
    () => null,
    (caught: unknown) => caught,
  );
  if (!(error instanceof TRPCClientError)) throw new Error(`expected a refusal, got ${String(error)}`);
  return (error.data as { code?: string }).code;
}

async function sendAndFinish(client: RecallClient, sessionId: string, content: string): Promise<void> {
  const { assistantMessage } = await client.message.send.mutate({ sessionId, content });
  await collectStream(client, assistantMessage.id);
}

describe("limits across two instances sharing Redis", () => {
  it("messages per window: sends on either instance count against one total", async () => {
    const [first, second] = await startPair({ messagesPerSecond: { max: 3, windowMs: 60_000 } });
    const { token } = await first.newUser();
    const onFirst = first.clientFor(token);
    const onSecond = second.clientFor(token);
    const session = await onFirst.session.create.mutate({});
    await sendAndFinish(onFirst, session.id, "one");
    await sendAndFinish(onSecond, session.id, "two");
    await sendAndFinish(onFirst, session.id, "three");
    expect(await refusedCode(onSecond.message.send.mutate({ sessionId: session.id, content: "four" }))).toBe("TOO_MANY_REQUESTS");
    expect(await refusedCode(onFirst.message.send.mutate({ sessionId: session.id, content: "four" }))).toBe("TOO_MANY_REQUESTS");
    // The count lives in Redis (with a TTL), not in either process.
    const probe = new Redis(redis.url);
    try {
      const keys = await probe.keys("recall:limit:*");
      expect(keys.length).toBeGreaterThan(0);
      expect(await probe.pttl(keys[0]!)).toBeGreaterThan(0);
    } finally {
      probe.disconnect();
    }
  });

  it("new users and login attempts per address are counted once for both", async () => {
    const [first, second] = await startPair({ usersPerAddress: { max: 2, windowMs: 3_600_000 }, loginAttempts: { max: 3, windowMs: 300_000 } });
    const limitsOf = (instance: Harness) => instance.recall.services.limits;
    await limitsOf(first).checkNewUser("203.0.113.7");
    await limitsOf(second).checkNewUser("203.0.113.7");
    await expect(limitsOf(first).checkNewUser("203.0.113.7")).rejects.toThrow(/Too many new identities/);
    await limitsOf(second).checkNewUser("203.0.113.8");
    for (const instance of [first, second, first]) await limitsOf(instance).checkLoginAttempt("203.0.113.7", "Ann");
    await expect(limitsOf(second).checkLoginAttempt("203.0.113.7", " ann ")).rejects.toThrow(/Too many login attempts/);
    await limitsOf(second).checkLoginAttempt("203.0.113.7", "bob");
  });

  it("replies in flight per user count on both instances", async () => {
    const [first, second] = await startPair({ generationsPerUser: 2 });
    const { token } = await first.newUser();
    const onFirst = first.clientFor(token);
    const onSecond = second.clientFor(token);
    const sessions = [await onFirst.session.create.mutate({}), await onFirst.session.create.mutate({}), await onFirst.session.create.mutate({})];
    first.fake.queueScript({ text: "a long reply", failure: { kind: "hang", afterTokens: 1 } });
    second.fake.queueScript({ text: "a long reply", failure: { kind: "hang", afterTokens: 1 } });
    const running = await onFirst.message.send.mutate({ sessionId: sessions[0]!.id, content: "one" });
    await onSecond.message.send.mutate({ sessionId: sessions[1]!.id, content: "two" });
    expect(await refusedCode(onFirst.message.send.mutate({ sessionId: sessions[2]!.id, content: "three" }))).toBe("TOO_MANY_REQUESTS");
    expect(await refusedCode(onSecond.message.send.mutate({ sessionId: sessions[2]!.id, content: "three" }))).toBe("TOO_MANY_REQUESTS");
    await onFirst.message.stop.mutate({ messageId: running.assistantMessage.id });
    await sendAndFinish(onSecond, sessions[2]!.id, "three");
  });

  it("stored text and chats are counted in the shared database", async () => {
    const [first, second] = await startPair({ storedCharsPerUser: 30, storedTextRecountMs: 0, chatsPerUser: 2 });
    first.fake.queueScript({ text: "ok" });
    const { token } = await first.newUser();
    const onFirst = first.clientFor(token);
    const onSecond = second.clientFor(token);
    const session = await onFirst.session.create.mutate({});
    await onSecond.session.create.mutate({});
    expect(await refusedCode(onFirst.session.create.mutate({}))).toBe("TOO_MANY_REQUESTS");
    await sendAndFinish(onFirst, session.id, "x".repeat(20));
    expect(await refusedCode(onSecond.message.send.mutate({ sessionId: session.id, content: "x".repeat(20) }))).toBe("TOO_MANY_REQUESTS");
  });
});
