import type { RequestCost } from "@recall/fake-ollama";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectStream, type CollectedStream } from "../testing/harness.ts";
import type { ServerProcess } from "../testing/server-process.ts";
import { startScaledTestCluster, type ScaledTestCluster } from "../streams/scaled-test-cluster.ts";

let cluster: ScaledTestCluster;

beforeAll(async () => {
  // One Ollama host with 2 slots that queues the rest itself (the fake's cost model), 12-token
  // replies at 40 tokens/s: about 0.3 s each.
  cluster = await startScaledTestCluster({
    fake: { tokensPerSecond: 40, replyTokens: 12, cost: { numParallel: 2 } },
    environment: { OLLAMA_NUM_PARALLEL: "2" },
  });
}, 60_000);
afterAll(async () => {
  await cluster?.close();
});

/** The most chat requests inside the fake at once (arrived, not yet finished), from its own records. */
function mostAtOnce(costs: RequestCost[]): number {
  const edges = costs.flatMap((cost) => [
    { at: cost.arrivedAt, change: 1 },
    { at: cost.finishedAt, change: -1 },
  ]);
  // At the same instant an end comes before a start: a slot freed and taken again.
  edges.sort((left, right) => left.at - right.at || left.change - right.change);
  let now = 0;
  let most = 0;
  for (const edge of edges) {
    now += edge.change;
    most = Math.max(most, now);
  }
  return most;
}

/** 8 replies sent at once, alternately to the two instances, 4 users with 2 chats each; every stream read to its end. */
async function eightRepliesAtOnce(instances: [ServerProcess, ServerProcess]): Promise<CollectedStream[]> {
  const users = await Promise.all(Array.from({ length: 4 }, () => cluster.newUser()));
  const sends = await Promise.all(
    Array.from({ length: 8 }, async (_, index) => {
      const instance = instances[index % 2]!;
      const client = users[index % 4]!.on(instance);
      const session = await client.session.create.mutate({});
      return { client, session };
    }),
  );
  cluster.fake.reset();
  const sent = await Promise.all(sends.map(({ client, session }) => client.message.send.mutate({ sessionId: session.id, content: "Tell me something." })));
  return Promise.all(sent.map(({ assistantMessage }, index) => collectStream(sends[index]!.client, assistantMessage.id, { timeoutMs: 20_000 })));
}

const chatCosts = (): RequestCost[] => cluster.fake.requests.filter((request) => request.path === "/api/chat" && request.cost).map((request) => request.cost!);

describe("Ollama slots shared across instances (RECALL_SHARED_SLOTS, on with the Redis event log)", () => {
  it("two instances never run more than the host's OLLAMA_NUM_PARALLEL calls at once; all 8 replies complete and the waiting ones saw their place", async () => {
    const instances: [ServerProcess, ServerProcess] = [await cluster.startInstance(), await cluster.startInstance()];
    const streams = await eightRepliesAtOnce(instances);

    expect(streams.map((stream) => stream.final?.type)).toEqual(Array(8).fill("done"));
    const costs = chatCosts();
    expect(costs).toHaveLength(8);
    expect(mostAtOnce(costs)).toBe(2);
    // Nothing waited inside Ollama's own queue: every wait was in Recall's, where the user sees it.
    expect(costs.map((cost) => cost.slotWaitMs)).toEqual(Array(8).fill(0));

    const waited = streams.filter((stream) => stream.events.some((entry) => entry.event.type === "queued"));
    // At most 2 started at once, so at least 6 waited; each was told its place before its first token.
    expect(waited.length).toBeGreaterThanOrEqual(6);
    for (const stream of waited) {
      const places = stream.events.flatMap((entry) => (entry.event.type === "queued" ? [entry.event.ahead] : []));
      // Round robin may put another user's reply that arrives in the burst ahead of a user's second
      // one; once everything has arrived, places only count down.
      const afterBurst = places.slice(places.indexOf(Math.max(...places)));
      expect(afterBurst).toEqual([...afterBurst].sort((left, right) => right - left));
      expect(Math.max(...places)).toBeLessThan(8);
      expect(stream.events.findIndex((entry) => entry.event.type === "queued")).toBeLessThan(stream.events.findIndex((entry) => entry.event.type === "delta"));
    }
  }, 60_000);

  it("with RECALL_SHARED_SLOTS=off each instance counts only its own calls, and the host runs more than its slots (what the shared count prevents)", async () => {
    const instances: [ServerProcess, ServerProcess] = [
      await cluster.startInstance({ RECALL_SHARED_SLOTS: "off" }),
      await cluster.startInstance({ RECALL_SHARED_SLOTS: "off" }),
    ];
    const streams = await eightRepliesAtOnce(instances);
    expect(streams.map((stream) => stream.final?.type)).toEqual(Array(8).fill("done"));
    const costs = chatCosts();
    expect(mostAtOnce(costs)).toBeGreaterThan(2);
    expect(costs.some((cost) => cost.slotWaitMs > 0)).toBe(true);
  }, 60_000);
});
