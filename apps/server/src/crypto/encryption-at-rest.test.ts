import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FakeOllamaOptions } from "@recall/fake-ollama";
import { episodeInstructions, summaryInstructions } from "@recall/memory";
import { afterEach, describe, expect, it } from "vitest";
import { collectStream, startHarness, trpcRejection, type Harness, type RecallClient } from "../testing/harness.ts";
import { startRedisProcess, type RedisProcess } from "../testing/redis-process.ts";
import { generateMasterKey } from "./master-keys.ts";

// Planted in every kind of text Recall keeps: messages, the reply, the title, summary, episode, profile.
const canary = "zqxcanary7731";

let harness: Harness | undefined;
let redis: RedisProcess | undefined;
afterEach(async () => {
  await harness?.close();
  await redis?.kill();
  harness = undefined;
  redis = undefined;
});

/** The fake writes the canary into the reply, the summary, the episode and a profile fact it learned. */
export function canaryModel(): FakeOllamaOptions {
  return {
    reply: (request) => {
      const instructions = request.messages[0]?.content;
      if (instructions === summaryInstructions) return { text: `Summary: the user builds ${canary} engines.` };
      if (instructions === episodeInstructions) {
        return { text: JSON.stringify({ summary: `They talked about ${canary} engines.`, facts: [`Builds ${canary} engines`], profile: [{ kind: "interest", value: `${canary} gardens` }] }) };
      }
      return { text: `You said ${canary}; noted.` };
    },
  };
}

/** Segments due after every reply, short chats get episodes: every derived text is written within a few sends. */
export const eagerMemory = { bufferMessages: 4, summaryEveryMessages: 6, summaryFirstAfterMessages: 6, summaryDueShare: 0, episodeMinimumMessages: 2 };

async function say(client: RecallClient, sessionId: string, content: string): Promise<void> {
  const { assistantMessage } = await client.message.send.mutate({ sessionId, content });
  await collectStream(client, assistantMessage.id);
}

/** Messages, a reply, a title, a summary, an episode, profile facts (learned and typed), and a cached conversation. */
export async function plantCanary(target: Harness, client: RecallClient): Promise<{ first: string; second: string }> {
  const first = await client.session.create.mutate({});
  for (let index = 1; index <= 5; index += 1) {
    await say(client, first.id, `I work as a ${canary} engineer, note ${index}.`);
    await target.recall.services.summaries.idle();
  }
  await client.profile.add.mutate({ kind: "other", value: `Typed ${canary}` });
  const second = await client.session.create.mutate({});
  await target.recall.services.episodes.idle();
  await say(client, second.id, `Tell me more about ${canary}.`);
  return { first: first.id, second: second.id };
}

/** Everything the user can read back through the API, checked to hold the canary. */
async function expectReadable(target: Harness, client: RecallClient, sessions: { first: string; second: string }): Promise<void> {
  const messages = await client.message.list.query({ sessionId: sessions.first, limit: 50 });
  expect(messages.items.filter((message) => message.content.includes(canary))).toHaveLength(10);
  expect((await client.session.list.query({ limit: 10 })).items.map((session) => session.title)).toContain(`I work as a ${canary} engineer, note 1.`);
  expect((await target.recall.services.summaries.current(sessions.first))?.text).toContain(canary);
  const [episode] = await client.episode.list.query();
  expect(episode?.summary).toContain(canary);
  expect(episode?.facts.join(" ")).toContain(canary);
  expect(episode?.sessionTitle).toContain(canary);
  const facts = (await client.profile.list.query()).map((fact) => fact.value);
  expect(facts).toEqual(expect.arrayContaining([`${canary} engineer`, `Typed ${canary}`, `${canary} gardens`]));
  const context = await client.message.context.query({ messageId: (await client.message.list.query({ sessionId: sessions.first, limit: 1 })).items[0]!.id });
  expect(context.summary?.text ?? "").toContain(canary);
  expect((await client.export.all.query({ format: "json" })).content).toContain(canary);
  expect((await client.session.search.query({ query: canary.toUpperCase() })).items.map((hit) => hit.session.id).sort()).toEqual([sessions.first, sessions.second].sort());
}

function sqliteFiles(target: Harness): string[] {
  const database = fileURLToPath(target.database.url);
  const dataFiles = readdirSync(target.config.dataDir).map((name) => join(target.config.dataDir, name));
  return [database, `${database}-wal`, `${database}-shm`, ...dataFiles].filter((path) => existsSync(path) && statSync(path).isFile());
}

/** Where the canary is at rest: files (SQLite), rows of any table (PostgreSQL), and Redis values. */
async function canaryAtRest(target: Harness, cache: RedisProcess | undefined): Promise<string[]> {
  const found: string[] = [];
  if (target.database.provider === "sqlite") {
    for (const path of sqliteFiles(target)) if (readFileSync(path).includes(canary)) found.push(path);
  } else {
    const schema = new URL(target.database.url).searchParams.get("schema") ?? "public";
    const tables = await target.database.prisma.$queryRawUnsafe<Array<{ table_name: string }>>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'`,
      schema,
    );
    expect(tables.length).toBeGreaterThan(5);
    for (const { table_name: table } of tables) {
      const [row] = await target.database.prisma.$queryRawUnsafe<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM "${schema}"."${table}" t WHERE t::text ILIKE $1`, `%${canary}%`);
      if ((row?.n ?? 0) > 0) found.push(`${table}: ${row?.n} row(s)`);
    }
  }
  if (cache) {
    for (const [key, value] of await redisValues(cache)) if (key.includes(canary) || value.includes(canary)) found.push(`redis ${key}`);
  }
  return found;
}

async function redisValues(cache: RedisProcess): Promise<Map<string, Buffer>> {
  const { Redis } = await import("ioredis");
  const client = new Redis(cache.url, { db: 3 });
  try {
    const values = new Map<string, Buffer>();
    for (const key of await client.keys("*")) {
      const type = await client.type(key);
      if (type === "string") values.set(key, (await client.getBuffer(key)) ?? Buffer.alloc(0));
      else if (type === "hash") values.set(key, Buffer.concat(Object.entries(await client.hgetallBuffer(key)).flatMap(([field, value]) => [Buffer.from(field), value])));
      else if (type === "set") values.set(key, Buffer.concat(await client.smembersBuffer(key)));
      else if (type === "list") values.set(key, Buffer.concat(await client.lrangeBuffer(key, 0, -1)));
      else values.set(key, Buffer.from(JSON.stringify(await client.zrange(key, 0, -1))));
    }
    return values;
  } finally {
    client.disconnect();
  }
}

describe("encryption at rest", () => {
  it("keeps a planted canary out of the database (file and WAL, or every table), and out of Redis, before and after delete-my-data and expiry", async () => {
    redis = await startRedisProcess();
    harness = await startHarness({ fake: canaryModel(), config: { ...eagerMemory, encryptionKeys: `1:${generateMasterKey()}`, redisUrl: redis.url, redisDatabase: 3 } });
    const alice = await harness.newUser();
    const aliceChats = await plantCanary(harness, alice.client);
    await expectReadable(harness, alice.client, aliceChats);

    // The checks would see the canary: the cache holds this conversation, sealed.
    const cached = [...(await redisValues(redis))].filter(([key]) => key.includes(`conversation:${alice.userId}:`));
    expect(cached.length).toBeGreaterThan(0);
    for (const [, value] of cached) expect(value.toString("utf8")).toMatch(/^rc1\.1\./);
    const stored = await harness.database.prisma.message.findMany({ where: { userId: alice.userId }, select: { content: true, contextJson: true } });
    for (const row of stored) expect(row.content).toMatch(/^rc1\.1\./);
    expect(stored.some((row) => row.contextJson?.startsWith("rc1.1."))).toBe(true);
    expect(await canaryAtRest(harness, redis)).toEqual([]);

    await alice.client.account.deleteAll.mutate({ confirm: "delete my data" });
    expect(await harness.database.prisma.userKey.count({ where: { userId: alice.userId } })).toBe(0);
    expect(await canaryAtRest(harness, redis)).toEqual([]);

    // Retention takes a user the same way.
    const bob = await harness.newUser();
    await plantCanary(harness, bob.client);
    expect(await harness.database.prisma.userKey.count({ where: { userId: bob.userId } })).toBe(1);
    expect(await canaryAtRest(harness, redis)).toEqual([]);
    await harness.recall.services.lifecycle.expireUser(bob.userId);
    expect(await harness.database.prisma.userKey.count({ where: { userId: bob.userId } })).toBe(0);
    expect(await canaryAtRest(harness, redis)).toEqual([]);
  });

  it("without a key: behaves as before, says at start-up that text is stored in the clear, and delete-my-data still leaves no text in the files", async () => {
    const lines: Array<{ msg?: string; level?: number; encryption?: string }> = [];
    harness = await startHarness({
      fake: canaryModel(),
      config: { ...eagerMemory, logLevel: "info" },
      recall: { operations: { logDestination: { write: (line) => void lines.push(JSON.parse(line) as { msg?: string }) } } },
    });
    const notice = lines.find((line) => line.encryption === "off");
    expect(notice?.msg).toMatch(/stores text in the clear/);
    expect(notice?.level).toBe(40);
    expect(harness.recall.services.encryption.mode).toBe("plaintext");

    const alice = await harness.newUser();
    const chats = await plantCanary(harness, alice.client);
    await expectReadable(harness, alice.client, chats);
    // Stored as typed: the SQL search path and the plain columns are untouched.
    const [first] = await harness.database.prisma.message.findMany({ where: { userId: alice.userId }, orderBy: { createdAt: "asc" }, take: 1 });
    expect(first?.content).toBe(`I work as a ${canary} engineer, note 1.`);
    expect(await harness.database.prisma.userKey.count()).toBe(0);
    // The scan sees the canary when it is there (the file and WAL, or the rows).
    expect((await canaryAtRest(harness, undefined)).length).toBeGreaterThan(0);

    await alice.client.account.deleteAll.mutate({ confirm: "delete my data" });
    // secure_delete zeroes the freed pages, and the WAL checkpoint leaves no old page images behind.
    expect(await canaryAtRest(harness, undefined)).toEqual([]);
  });

  it("logs at start-up that text is encrypted, and never the key", async () => {
    const key = generateMasterKey();
    const lines: string[] = [];
    harness = await startHarness({
      config: { logLevel: "info", encryptionKeys: `1:${key}` },
      recall: { operations: { logDestination: { write: (line) => void lines.push(line) } } },
    });
    expect(lines.some((line) => /Encryption at rest is on: Recall encrypts text with per-user data keys under master key version 1/.test(line))).toBe(true);
    expect(lines.join("\n")).not.toContain(key);
    expect(JSON.stringify(harness.recall.services.config)).not.toContain(key);
  });

  it("rejects a ciphertext swapped into another row or another user's row with a clear error, never showing it", async () => {
    harness = await startHarness({ fake: canaryModel(), config: { encryptionKeys: `1:${generateMasterKey()}` } });
    const prisma = harness.database.prisma;
    const alice = await harness.newUser();
    const bob = await harness.newUser();
    const aliceChat = await alice.client.session.create.mutate({});
    await say(alice.client, aliceChat.id, `Alice's secret ${canary}`);
    const bobChat = await bob.client.session.create.mutate({});
    await say(bob.client, bobChat.id, "Bob's own words");

    const aliceMessages = await prisma.message.findMany({ where: { userId: alice.userId }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
    const [secret, reply] = aliceMessages;
    const [bobMessage] = await prisma.message.findMany({ where: { userId: bob.userId }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
    // Into another row of the same user.
    await prisma.message.update({ where: { id: reply!.id }, data: { content: secret!.content } });
    const sameUser = await trpcRejection(alice.client.message.list.query({ sessionId: aliceChat.id, limit: 10 }));
    expect(sameUser.message).toMatch(/does not decrypt.*moved from another row or user/);
    expect(sameUser.message).not.toContain(canary);
    // Into another user's row.
    await prisma.message.update({ where: { id: bobMessage!.id }, data: { content: secret!.content } });
    const otherUser = await trpcRejection(bob.client.message.list.query({ sessionId: bobChat.id, limit: 10 }));
    expect(otherUser.message).toMatch(/does not decrypt/);
    expect(otherUser.message).not.toContain(canary);
    // A title moved into a message column does not pass either.
    const [session] = await prisma.chatSession.findMany({ where: { userId: alice.userId } });
    await prisma.message.update({ where: { id: secret!.id }, data: { content: session!.title } });
    await expect(alice.client.message.thread.query({ sessionId: aliceChat.id })).rejects.toThrow(/does not decrypt/);
  });
});
