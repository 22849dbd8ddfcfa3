import { afterEach, describe, expect, it } from "vitest";
import { collectStream, startHarness, type Harness } from "../testing/index.ts";
import { relaxedLimitSettings } from "./limit-settings.ts";

let harness: Harness | null = null;

afterEach(async () => {
  await harness?.close();
  harness = null;
});

/** What each model call answered, in the order the model received them. */
function startedOrder(current: Harness): string[] {
  return current.fake.requests
    .filter((entry) => entry.path === "/api/chat")
    .map((entry) => (entry.body as { messages: Array<{ role: string; content: string }> }).messages.filter((message) => message.role === "user").at(-1)?.content ?? "");
}

describe("the fair model queue over the real API", () => {
  it("one slot: user B's one reply starts after at most one of user A's five, and B's stream counts its place down", async () => {
    // One Ollama host with one slot (OLLAMA_NUM_PARALLEL=1): the pool's capacity is the queue's only limit.
    harness = await startHarness({
      fake: { tokensPerSecond: 50, replyTokens: 10 },
      config: { ollamaNumParallel: 1, limits: { ...relaxedLimitSettings, generationsPerUser: 10, generationQueue: 10 } },
    });
    const current = harness;
    const ann = await current.newUser();
    const bob = await current.newUser();
    const annChats = await Promise.all([0, 1, 2, 3, 4].map(() => ann.client.session.create.mutate({})));
    const bobChat = await bob.client.session.create.mutate({});

    const annReplies = [];
    for (const [index, chat] of annChats.entries()) annReplies.push(await ann.client.message.send.mutate({ sessionId: chat.id, content: `ann asks ${index}` }));
    const bobReply = await bob.client.message.send.mutate({ sessionId: bobChat.id, content: "bob asks" });
    // Ann's first runs, her next waits first, then Bob's: one of hers ahead of his, not four.
    expect(annReplies[0]!.queuedAhead).toBeNull();
    expect(bobReply.queuedAhead).toBe(1);

    const [bobStream, ...annStreams] = await Promise.all([
      collectStream(bob.client, bobReply.assistantMessage.id, { timeoutMs: 15_000 }),
      ...annReplies.map((reply) => collectStream(ann.client, reply.assistantMessage.id, { timeoutMs: 15_000 })),
    ]);
    expect([bobStream, ...annStreams].map((stream) => stream.final?.type)).toEqual(Array(6).fill("done"));
    expect(startedOrder(current)).toEqual(["ann asks 0", "ann asks 1", "bob asks", "ann asks 2", "ann asks 3", "ann asks 4"]);

    // Bob's stream: his place when he started waiting, each change, then the text.
    const places = bobStream.events.filter((entry) => entry.event.type === "queued").map((entry) => (entry.event as { ahead: number }).ahead);
    expect(places[0]).toBe(1);
    expect(places.at(-1)).toBe(0);
    expect([...places].sort((left, right) => right - left)).toEqual(places);
    const firstDelta = bobStream.events.findIndex((entry) => entry.event.type === "delta");
    expect(bobStream.events.slice(0, firstDelta).every((entry) => entry.event.type === "queued")).toBe(true);
    // Ann's last reply waited behind four and was told each step down to 0.
    const annLast = annStreams[4]!.events.filter((entry) => entry.event.type === "queued").map((entry) => (entry.event as { ahead: number }).ahead);
    expect(new Set(annLast)).toEqual(new Set([4, 3, 2, 1, 0]));
  });
});
