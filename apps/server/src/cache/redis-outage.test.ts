import { afterEach, describe, expect, it } from "vitest";
import { collectStream, startHarness, waitFor, type Harness } from "../testing/harness.ts";
import { startRedisProcess, type RedisProcess } from "../testing/redis-process.ts";

let harness: Harness | undefined;
let redis: RedisProcess | undefined;
afterEach(async () => {
  await harness?.close();
  await redis?.kill();
  harness = undefined;
  redis = undefined;
});

describe("Redis lost mid-chat", () => {
  it("costs no request: replies go on from memory and the database, and the cache comes back", async () => {
    redis = await startRedisProcess();
    harness = await startHarness({ config: { redisUrl: redis.url, redisDatabase: 2 } });
    const { client } = await harness.newUser();
    const session = await client.session.create.mutate({});
    await client.profile.add.mutate({ kind: "name", value: "Ines" });

    const reply = async (content: string) => {
      const { assistantMessage } = await client.message.send.mutate({ sessionId: session.id, content });
      const stream = await collectStream(client, assistantMessage.id);
      expect(stream.final?.type).toBe("done");
      return (await client.message.context.query({ messageId: assistantMessage.id })).metadata!;
    };

    await waitFor(async () => !harness!.recall.services.metrics.snapshot().cache.degraded);
    expect((await reply("First question.")).cached).toBe(false);
    expect((await reply("Second question.")).cached).toBe(true);

    await redis.kill();
    // Every request still succeeds, and the profile (from the database) still reaches the model.
    for (const content of ["During the outage.", "Still down.", "And again."]) {
      await reply(content);
      const prompt = harness.fake.requests.filter((request) => request.path === "/api/chat").at(-1)?.body as { messages: Array<{ content: string }> };
      expect(prompt.messages.some((message) => message.content.includes("Ines"))).toBe(true);
    }
    await client.profile.add.mutate({ kind: "interest", value: "tiles" });
    expect(harness!.recall.services.metrics.snapshot().cache.degraded).toBe(true);

    await redis.restart();
    await waitFor(async () => !harness!.recall.services.metrics.snapshot().cache.degraded, 10_000);
    // A fact added mid-chat reaches the next fresh layout: a new chat.
    const next = await client.session.create.mutate({});
    const { assistantMessage } = await client.message.send.mutate({ sessionId: next.id, content: "Back online." });
    expect((await collectStream(client, assistantMessage.id)).final?.type).toBe("done");
    const prompt = harness.fake.requests.filter((request) => request.path === "/api/chat").at(-1)?.body as { messages: Array<{ content: string }> };
    expect(prompt.messages.some((message) => message.content.includes("tiles"))).toBe(true);
  });
});
