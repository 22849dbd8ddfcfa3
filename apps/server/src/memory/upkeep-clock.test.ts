import type { Clock } from "@recall/memory";
import { episodeInstructions } from "@recall/memory";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { RecallConfig } from "../env.ts";
import { collectStream, startHarness, waitFor, type Harness } from "../testing/harness.ts";

/**
 * Idle and abandon behaviour with vitest's fake timers: the sweeps and ticks run on faked
 * intervals, and Recall reads the time from an injected Clock that moves with them. Only
 * intervals are faked: HTTP, the database and the fake Ollama keep real timeouts.
 */
let harness: Harness | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await harness?.close();
  harness = undefined;
});

async function startWithFakeTime(config: Partial<RecallConfig>) {
  vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
  let now = Date.now();
  const clock: Clock = { now: () => new Date(now) };
  let episodeCalls = 0;
  harness = await startHarness({
    fake: {
      reply: (request) => {
        if (request.messages[0]?.content !== episodeInstructions) return undefined;
        episodeCalls += 1;
        return { text: JSON.stringify({ summary: "The user asked about trams in Lisbon.", facts: [] }) };
      },
    },
    config,
    recall: { clock },
  });
  return {
    harness,
    episodeCalls: () => episodeCalls,
    /** Moves the clock and fires the intervals due in that time. */
    async advance(ms: number) {
      now += ms;
      await vi.advanceTimersByTimeAsync(ms);
    },
  };
}

describe("with fake timers", () => {
  it("writes an idle chat's episode once the idle time has passed, not before", async () => {
    const minute = 60_000;
    const { harness, episodeCalls, advance } = await startWithFakeTime({ episodeIdleMs: 10 * minute, episodeMinimumMessages: 2, checkpointMs: minute });
    const { client } = await harness.newUser();
    const session = await client.session.create.mutate({});
    const { assistantMessage } = await client.message.send.mutate({ sessionId: session.id, content: "How do the trams in Lisbon work?" });
    await collectStream(client, assistantMessage.id);
    const episodes = () => harness.database.prisma.episode.count({ where: { sessionId: session.id } });

    await advance(9 * minute);
    await harness.recall.services.episodes.idle();
    expect(episodeCalls()).toBe(0);
    expect(await episodes()).toBe(0);

    await advance(2 * minute);
    await harness.recall.services.episodes.idle();
    expect(episodeCalls()).toBe(1);
    expect(await episodes()).toBe(1);

    // Swept once: more idle time writes nothing again.
    await advance(30 * minute);
    await harness.recall.services.episodes.idle();
    expect(episodeCalls()).toBe(1);
  });

  it("stops a reply nobody watches once abandonAfterMs has passed, not before", async () => {
    const { harness, advance } = await startWithFakeTime({ abandonAfterMs: 120_000, checkpointMs: 1_000 });
    const { client } = await harness.newUser();
    const session = await client.session.create.mutate({});
    // The model sends a token, then nothing: only the abandon rule can end this reply.
    harness.fake.queueScript({ tokens: [" One", " two"], failure: { kind: "hang", afterTokens: 1 } });
    const { assistantMessage } = await client.message.send.mutate({ sessionId: session.id, content: "Tell me a long story." });
    const { generations } = harness.recall.services;
    const status = async () => (await harness.database.prisma.message.findUniqueOrThrow({ where: { id: assistantMessage.id } })).status;

    await advance(119_000);
    expect(generations.isActive(assistantMessage.id)).toBe(true);
    expect(await status()).toBe("streaming");

    await advance(2_000);
    await waitFor(() => !generations.isActive(assistantMessage.id));
    expect(await status()).toBe("interrupted");
    const stream = await collectStream(client, assistantMessage.id);
    expect(stream.final).toMatchObject({ type: "interrupted", reason: "client-gone" });
  });
});
