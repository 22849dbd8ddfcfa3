import { startFakeOllama, type FakeOllama } from "@recall/fake-ollama";
import { afterEach, describe, expect, it } from "vitest";
import { collectStream, startHarness, type Harness } from "../testing/index.ts";

let harness: Harness | null = null;
const hosts: FakeOllama[] = [];

afterEach(async () => {
  await harness?.close();
  harness = null;
  await Promise.all(hosts.splice(0).map((host) => host.close()));
});

/** Recall over real HTTP in front of two fake Ollama hosts that write 20 tokens a second. */
async function startTwoHosts(): Promise<{ harness: Harness; hosts: FakeOllama[] }> {
  hosts.push(...(await Promise.all([0, 1].map(() => startFakeOllama({ tokensPerSecond: 20, replyTokens: 60 })))));
  harness = await startHarness({ config: { ollamaUrl: hosts[0]!.url, ollamaHosts: hosts.map((host) => host.url), ollamaHealthIntervalMs: 60_000 } });
  return { harness, hosts };
}

const chatsOn = (host: FakeOllama): number => host.requests.filter((entry) => entry.path === "/api/chat").length;

async function waitFor(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("an Ollama host killed mid-stream", () => {
  it("ends the reply `error` with its partial text within a bounded time, and the next send goes to a healthy host", async () => {
    const { harness, hosts } = await startTwoHosts();
    const { client } = await harness.newUser();
    const session = await client.session.create.mutate({});
    const { assistantMessage } = await client.message.send.mutate({ sessionId: session.id, content: "tell me a long story" });
    let killedAt = 0;
    let killed: FakeOllama | null = null;
    const reply = await collectStream(client, assistantMessage.id, {
      timeoutMs: 10_000,
      until: (collected) => {
        if (killedAt === 0 && collected.text.split(" ").length > 5) {
          // Abruptly: the host's sockets are destroyed mid-reply and it stops listening.
          killed = hosts.find((host) => host.activeStreams() > 0)!;
          killedAt = performance.now();
          void killed.close();
        }
        return false;
      },
    });
    expect(killedAt).toBeGreaterThan(0);
    expect(reply.final).toMatchObject({ type: "error", code: "STREAM_BROKEN" });
    expect(performance.now() - killedAt).toBeLessThan(2_000);
    const partial = reply.text;
    expect(partial.length).toBeGreaterThan(0);

    const thread = await client.message.thread.query({ sessionId: session.id });
    const saved = thread.messages.find((message) => message.id === assistantMessage.id)!;
    expect(saved.status).toBe("error");
    expect(saved.content).toBe(partial);

    const healthy = hosts.find((host) => host !== killed)!;
    const before = chatsOn(healthy);
    const next = await client.message.send.mutate({ sessionId: session.id, content: "try again" });
    const second = await collectStream(client, next.assistantMessage.id, { timeoutMs: 10_000 });
    expect(second.final?.type).toBe("done");
    expect(chatsOn(healthy)).toBe(before + 1);
    await waitFor(() => healthy.activeStreams() === 0);
  });
});
