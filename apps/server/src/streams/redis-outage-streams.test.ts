import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectStream, type RecallClient } from "../testing/harness.ts";
import type { ServerProcess } from "../testing/server-process.ts";
import { startScaledTestCluster, type ScaledTestCluster } from "./scaled-test-cluster.ts";

let cluster: ScaledTestCluster;
let first: ServerProcess;
let second: ServerProcess;

beforeAll(async () => {
  cluster = await startScaledTestCluster({ fake: { tokensPerSecond: 20, replyTokens: 40 } });
  [first, second] = await Promise.all([cluster.startInstance(), cluster.startInstance()]);
}, 60_000);
afterAll(async () => {
  await cluster?.close();
});

async function send(client: RecallClient, content: string) {
  const session = await client.session.create.mutate({});
  const sent = await client.message.send.mutate({ sessionId: session.id, content });
  return { sessionId: session.id, userMessageId: sent.userMessage.id, replyId: sent.assistantMessage.id };
}

async function expectSaved(messageId: string, expected: { status: string; content: string }): Promise<void> {
  const row = await cluster.database.prisma.message.findUniqueOrThrow({ where: { id: messageId }, select: { status: true, content: true } });
  expect(row).toEqual(expected);
}

describe("Redis stopped and restarted under load (scaled mode)", () => {
  it("keeps serving from each instance while it is down, loses nothing saved, and streams across instances again within 5 s", async () => {
    const user = await cluster.newUser();
    // Load: replies streaming on the first instance to readers there.
    const load = await Promise.all(Array.from({ length: 4 }, (_, index) => send(user.on(first), `Question ${index}.`)));
    const reading = load.map((reply) => collectStream(user.on(first), reply.replyId, { timeoutMs: 20_000 }));
    await collectStream(user.on(first), load[0]!.replyId, { until: (collected) => collected.events.length >= 2 });

    await cluster.redis.kill();
    // Degraded: the replies under way finish for their readers, and are saved whole.
    const finished = await Promise.all(reading);
    for (const [index, stream] of finished.entries()) {
      expect(stream.final?.type).toBe("done");
      await expectSaved(load[index]!.replyId, { status: "complete", content: stream.text });
    }
    // New requests are served on either instance.
    const during = await send(user.on(second), "While Redis is down.");
    const duringStream = await collectStream(user.on(second), during.replyId);
    expect(duringStream.final?.type).toBe("done");
    await expectSaved(during.userMessageId, { status: "complete", content: "While Redis is down." });
    await expectSaved(during.replyId, { status: "complete", content: duringStream.text });
    // A reader on the other instance gets the saved text instead of the live log.
    cluster.fake.queueScript({ tokens: Array.from({ length: 120 }, (_, index) => ` w${index}`), tokensPerSecond: 20 });
    const spanning = await send(user.on(first), "A long answer, please.");
    const snapshot = await collectStream(user.on(second), spanning.replyId, { until: (collected) => collected.events.length > 0 });
    expect(snapshot.events[0]?.event.type).toBe("snapshot");

    await cluster.redis.restart();
    const restartedAt = Date.now();
    // Full service: a reply from one instance streams live (not a snapshot) on the other.
    let crossInstanceAt: number | null = null;
    while (crossInstanceAt === null && Date.now() - restartedAt < 8000) {
      const probe = await send(user.on(first), "Are you back?");
      const probed = await collectStream(user.on(second), probe.replyId, { until: (collected) => collected.events.length > 0 });
      if (probed.events[0]?.event.type === "delta") crossInstanceAt = Date.now();
      else await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(crossInstanceAt).not.toBeNull();
    expect(crossInstanceAt! - restartedAt).toBeLessThan(5000);

    // The reply that started during the outage was copied into the restarted Redis from its first event.
    const resumed = await collectStream(user.on(second), spanning.replyId, { timeoutMs: 20_000 });
    expect(resumed.events[0]).toMatchObject({ id: expect.any(String), event: { type: "delta" } });
    expect(resumed.final?.type).toBe("done");
    await expectSaved(spanning.replyId, { status: "complete", content: resumed.text });
  });
});
