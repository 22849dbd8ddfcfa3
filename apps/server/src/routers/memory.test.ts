import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectStream, startHarness, waitFor, type Harness } from "../testing/harness.ts";

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ config: { adminUsers: ["ops"] } });
});
afterAll(async () => {
  await harness?.close();
});

describe("the reference design's memory interface", () => {
  it("builds a context without sending or saving anything, then serves it from the cache", async () => {
    const { client } = await harness.newUser();
    const session = await client.session.create.mutate({});
    const { assistantMessage } = await client.message.send.mutate({ sessionId: session.id, content: "My name is Tomas and I live in Prague." });
    await collectStream(client, assistantMessage.id);
    // Profile facts from that message are written in the background (and reset the cache): let them land.
    await waitFor(async () => (await client.profile.list.query()).length === 2);
    const chatCalls = harness.fake.counts.chat;

    const first = await client.memory.buildContext.query({ sessionId: session.id, message: "Where do I live?" });
    expect(first.context.at(-1)).toEqual({ role: "user", content: "Where do I live?" });
    expect(first.context.some((message) => message.content.includes("I live in Prague"))).toBe(true);
    expect(first.metadata).toMatchObject({ totalMessages: 3, summarizedMessages: 0 });
    expect(first.metadata.estimatedTokens).toBeGreaterThan(0);
    const second = await client.memory.buildContext.query({ sessionId: session.id, message: "Where do I live?" });
    expect(second.metadata.cached).toBe(true);

    expect(harness.fake.counts.chat).toBe(chatCalls);
    expect((await client.message.list.query({ sessionId: session.id })).items).toHaveLength(2);

    const extracted = await client.memory.extractProfile.query({ sessionId: session.id });
    expect(extracted.map((fact) => [fact.kind, fact.value]).sort()).toEqual([
      ["location", "Prague"],
      ["name", "Tomas"],
    ]);

    // Operators' figures: an admin's (RECALL_ADMIN_USERS), refused to anyone else.
    await expect(client.memory.stats.query()).rejects.toMatchObject({ data: { code: "FORBIDDEN" } });
    const anonymous = await harness.newUser();
    const { tokens } = await anonymous.client.auth.signUp.mutate({ login: "ops", password: "a long operator password" });
    const stats = await harness.clientFor(tokens!.accessToken).memory.stats.query();
    expect(stats.cacheEnabled).toBe(true);
    expect(stats.contextsBuilt).toBeGreaterThanOrEqual(3);
    expect(stats.cache.hitRate).toBeGreaterThan(0);
    expect(stats.activeSessions).toBeGreaterThanOrEqual(1);
    await expect(client.memory.buildContext.query({ sessionId: "not-mine", message: "x" })).rejects.toMatchObject({ data: { code: "NOT_FOUND" } });
  });
});
