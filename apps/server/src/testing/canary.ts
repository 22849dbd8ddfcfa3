import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FakeOllamaOptions } from "@recall/fake-ollama";
import { episodeInstructions, summaryInstructions } from "@recall/memory";
import { expect } from "vitest";
import { collectStream, type Harness, type RecallClient } from "./harness.ts";
import type { RedisProcess } from "./redis-process.ts";

// Planted in every kind of text Recall keeps: messages, the reply, the title, summary, episode, profile.
export const canary = "zqxcanary7731";

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

export async function say(client: RecallClient, sessionId: string, content: string): Promise<void> {
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
export async function expectReadable(target: Harness, client: RecallClient, sessions: { first: string; second: string }): Promise<void> {
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

export function sqliteFiles(target: Harness): string[] {
  const database = fileURLToPath(target.database.url);
  const dataFiles = readdirSync(target.config.dataDir).map((name) => join(target.config.dataDir, name));
  return [database, `${database}-wal`, `${database}-shm`, ...dataFiles].filter((path) => existsSync(path) && statSync(path).isFile());
}

/** Where the canary is at rest: files (SQLite), rows of any table (PostgreSQL), and Redis values. */
export async function canaryAtRest(target: Harness, cache: RedisProcess | undefined): Promise<string[]> {
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

export async function redisValues(cache: RedisProcess): Promise<Map<string, Buffer>> {
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
