import { statSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { canary, canaryAtRest, canaryModel, eagerMemory, expectReadable, plantCanary, redisValues, say, sqliteFiles } from "../testing/canary.ts";
import { collectStream, startHarness, trpcRejection, waitFor, type Harness } from "../testing/harness.ts";
import { startRedisProcess, type RedisProcess } from "../testing/redis-process.ts";
import { generateMasterKey } from "./master-keys.ts";

let harness: Harness | undefined;
let redis: RedisProcess | undefined;
afterEach(async () => {
  await harness?.close();
  await redis?.kill();
  harness = undefined;
  redis = undefined;
});

describe("encryption at rest", () => {
  it("keeps a planted canary out of the database (file and WAL, or every table), and out of Redis, before and after delete-my-data and expiry", async () => {
    redis = await startRedisProcess();
    // No RECALL_SECRET: the generated identity secret lands in the data directory too.
    harness = await startHarness({ fake: canaryModel(), config: { ...eagerMemory, secret: undefined, encryptionKeys: `1:${generateMasterKey()}`, redisUrl: redis.url, redisDatabase: 3 } });
    const alice = await harness.newUser();
    const aliceChats = await plantCanary(harness, alice.client);
    await expectReadable(harness, alice.client, aliceChats);
    if (harness.database.provider === "sqlite") {
      const files = sqliteFiles(harness);
      expect(files.map((path) => path.replace(/^.*\//, ""))).toEqual(expect.arrayContaining(["test.db", "test.db-wal", "test.db-shm", "identity-secret"]));
      for (const path of files) expect([path, (statSync(path).mode & 0o777).toString(8)]).toEqual([path, "600"]);
    }

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

  it("encrypts a streaming reply's checkpoints: the partial text in the database is ciphertext of a prefix of the reply", async () => {
    const words = Array.from({ length: 40 }, (_, index) => `${canary}${index}`).join(" ");
    harness = await startHarness({ fake: { reply: () => ({ text: words, tokensPerSecond: 40 }) }, config: { encryptionKeys: `1:${generateMasterKey()}` } });
    const alice = await harness.newUser();
    const session = await alice.client.session.create.mutate({});
    const { assistantMessage } = await alice.client.message.send.mutate({ sessionId: session.id, content: "Stream slowly" });
    const context = { field: "Message.content", rowId: assistantMessage.id, userId: alice.userId } as const;
    const partial = await waitFor(async () => {
      const row = await harness!.database.prisma.message.findUniqueOrThrow({ where: { id: assistantMessage.id } });
      const text = await harness!.recall.services.encryption.decrypt(row.content, context);
      return row.status === "streaming" && text.length > 0 ? { stored: row.content, text } : null;
    });
    expect(partial.stored).toMatch(/^rc1\.1\./);
    expect(partial.stored).not.toContain(canary);
    expect(words.startsWith(partial.text)).toBe(true);
    expect(partial.text.length).toBeLessThan(words.length);
    await collectStream(alice.client, assistantMessage.id);
    const [, reply] = (await alice.client.message.list.query({ sessionId: session.id, limit: 10 })).items;
    expect(reply?.content).toBe(words);
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
