import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectStream, startHarness, waitFor, type Harness } from "../testing/harness.ts";

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ config: { ephemeralIdleMs: 1500 } });
});
afterAll(async () => {
  await harness?.close();
});

describe("ephemeral chats", () => {
  it("stream like any chat but leave nothing in the database, the cache or other chats' memory", async () => {
    const { client, userId } = await harness.newUser();
    const session = await client.session.create.mutate({ ephemeral: true });
    expect(session.ephemeral).toBe(true);
    const { assistantMessage } = await client.message.send.mutate({ sessionId: session.id, content: "My name is Zed, my locker code is 4711." });
    const stream = await collectStream(client, assistantMessage.id);
    expect(stream.final?.type).toBe("done");
    const { items } = await client.message.list.query({ sessionId: session.id });
    expect(items.map((message) => [message.role, message.status])).toEqual([
      ["user", "complete"],
      ["assistant", "complete"],
    ]);
    expect(items[1]?.content).toBe(stream.text);
    expect((await client.message.context.query({ messageId: assistantMessage.id })).metadata?.numCtx).toBeGreaterThan(0);
    expect((await client.session.list.query()).items.map((entry) => [entry.id, entry.ephemeral])).toEqual([[session.id, true]]);

    // Give background upkeep every chance to write something, then look at the disk.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const { prisma } = harness.database;
    expect(await prisma.chatSession.count({ where: { userId } })).toBe(0);
    expect(await prisma.message.count({ where: { userId } })).toBe(0);
    expect(await prisma.profileFact.count({ where: { userId } })).toBe(0);
    expect(await prisma.episode.count({ where: { userId } })).toBe(0);
    expect(await harness.recall.services.cache.get(`conversation:${userId}:${session.id}`)).toBeUndefined();

    // A saved chat does not remember what was said off the record.
    const saved = await client.session.create.mutate({});
    const reply = await client.message.send.mutate({ sessionId: saved.id, content: "What is my locker code?" });
    await collectStream(client, reply.assistantMessage.id);
    const prompt = harness.fake.requests.filter((request) => request.path === "/api/chat").at(-1)?.body;
    expect(JSON.stringify(prompt)).not.toContain("4711");

    // Nobody else can read it.
    const stranger = await harness.newUser();
    await expect(stranger.client.message.list.query({ sessionId: session.id })).rejects.toMatchObject({ data: { code: "NOT_FOUND" } });
    expect((await stranger.client.session.list.query()).items).toEqual([]);
  });

  it("are forgotten after the idle TTL", async () => {
    const { client } = await harness.newUser();
    const session = await client.session.create.mutate({ ephemeral: true });
    const { assistantMessage } = await client.message.send.mutate({ sessionId: session.id, content: "Off the record." });
    await collectStream(client, assistantMessage.id);
    await waitFor(async () => (await client.session.list.query()).items.length === 0, 10_000);
    await expect(client.message.list.query({ sessionId: session.id })).rejects.toMatchObject({ data: { code: "NOT_FOUND" } });
  });
});
