import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectStream, trpcRejection, type CollectedStream } from "../testing/harness.ts";
import type { ServerProcess } from "../testing/server-process.ts";
import { startScaledTestCluster, testLeaseMs, type ScaledTestCluster } from "./scaled-test-cluster.ts";

let cluster: ScaledTestCluster;
let first: ServerProcess;
let second: ServerProcess;

beforeAll(async () => {
  // 60 tokens at 20 per second: a reply streams for 3 s, long enough to move between instances.
  cluster = await startScaledTestCluster({ fake: { tokensPerSecond: 20, replyTokens: 60 } });
  [first, second] = await Promise.all([cluster.startInstance(), cluster.startInstance()]);
}, 60_000);
afterAll(async () => {
  await cluster?.close();
});

/** Every delta's id after the one before it: nothing read twice, across any reconnects. */
function expectIncreasingIds(streams: CollectedStream[]): void {
  const ids = streams.flatMap((stream) => stream.events.map((entry) => Number(entry.id)));
  expect(ids.every((id, index) => Number.isSafeInteger(id) && (index === 0 || id > ids[index - 1]!))).toBe(true);
}

async function savedReply(messageId: string) {
  return cluster.database.prisma.message.findUniqueOrThrow({ where: { id: messageId }, select: { status: true, content: true, error: true } });
}

describe("a reply across instances (Redis Streams)", () => {
  it("resumes on another instance from lastEventId with no gap or duplicate; another user's resume is refused", async () => {
    const user = await cluster.newUser();
    const session = await user.on(first).session.create.mutate({});
    const { assistantMessage } = await user.on(first).message.send.mutate({ sessionId: session.id, content: "Tell me a long story." });
    const before = await collectStream(user.on(first), assistantMessage.id, { until: (collected) => collected.events.length >= 5 });
    const lastEventId = before.events.at(-1)!.id;

    // Someone else, on the other instance, with a valid id: the reply is not theirs to read.
    const stranger = await cluster.newUser();
    expect((await trpcRejection(collectStream(stranger.on(second), assistantMessage.id, { lastEventId }))).code).toBe("NOT_FOUND");
    expect((await trpcRejection(collectStream(stranger.on(second), assistantMessage.id))).code).toBe("NOT_FOUND");

    const after = await collectStream(user.on(second), assistantMessage.id, { lastEventId });
    expect(after.events[0]?.event.type).toBe("delta");
    expect(after.final?.type).toBe("done");
    expectIncreasingIds([before, after]);
    const saved = await savedReply(assistantMessage.id);
    expect(saved.status).toBe("complete");
    expect(before.text + after.text).toBe(saved.content);
  });

  it("refuses a second reply in the chat on the other instance while one streams, and stops it from there", async () => {
    const user = await cluster.newUser();
    const session = await user.on(first).session.create.mutate({});
    const { assistantMessage } = await user.on(first).message.send.mutate({ sessionId: session.id, content: "Keep talking." });
    const watched = await collectStream(user.on(second), assistantMessage.id, { until: (collected) => collected.text.length > 0 });
    expect(watched.events[0]?.event.type).toBe("delta");

    const busy = await trpcRejection(user.on(second).message.send.mutate({ sessionId: session.id, content: "And another thing." }));
    expect(busy.code).toBe("CONFLICT");

    const ending = collectStream(user.on(second), assistantMessage.id, { lastEventId: watched.events.at(-1)!.id });
    expect(await user.on(second).message.stop.mutate({ messageId: assistantMessage.id })).toEqual({ stopped: true });
    expect((await ending).final).toEqual({ type: "interrupted", reason: "stopped" });
    const saved = await savedReply(assistantMessage.id);
    expect(saved.status).toBe("interrupted");
    expect(saved.content.startsWith(watched.text)).toBe(true);
    // The chat takes a new message again, on either instance.
    const next = await user.on(second).message.send.mutate({ sessionId: session.id, content: "Thanks." });
    expect((await collectStream(user.on(second), next.assistantMessage.id)).final?.type).toBe("done");
  });
});

describe("an instance killed mid-stream (SIGKILL)", () => {
  it("lets the client resume on another instance, which ends the reply interrupted with its text; the user's message stays", async () => {
    const victim = await cluster.startInstance();
    const user = await cluster.newUser();
    const session = await user.on(victim).session.create.mutate({});
    const { userMessage, assistantMessage } = await user.on(victim).message.send.mutate({ sessionId: session.id, content: "Do not lose me." });
    const before = await collectStream(user.on(victim), assistantMessage.id, { until: (collected) => collected.events.length >= 8 });
    victim.child.kill("SIGKILL");
    await new Promise((resolve) => victim.child.once("exit", resolve));
    const killedAt = Date.now();

    // The lease lapses, the sweep (every half lease, after one lease of grace) ends the reply.
    const after = await collectStream(user.on(second), assistantMessage.id, { lastEventId: before.events.at(-1)!.id, timeoutMs: 6 * testLeaseMs });
    const endedWithin = Date.now() - killedAt;
    expect(after.final).toEqual({ type: "interrupted", reason: "shutdown" });
    expect(endedWithin).toBeLessThan(4 * testLeaseMs);
    expectIncreasingIds([before, after]);

    const saved = await savedReply(assistantMessage.id);
    expect(saved.status).toBe("interrupted");
    // What the readers were sent is what was saved: the log's text, not only the last checkpoint.
    expect(saved.content).toBe(before.text + after.text);
    expect(saved.content.length).toBeGreaterThan(0);
    const { items } = await user.on(second).message.list.query({ sessionId: session.id });
    expect(items.find((message) => message.id === userMessage.id)).toMatchObject({ content: "Do not lose me.", status: "complete" });
    // The chat is free again.
    const next = await user.on(second).message.send.mutate({ sessionId: session.id, content: "Again." });
    expect((await collectStream(user.on(second), next.assistantMessage.id)).final?.type).toBe("done");
  });
});
