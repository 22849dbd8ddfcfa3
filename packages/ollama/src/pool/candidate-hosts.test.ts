import { startFakeOllama, type FakeOllama } from "@recall/fake-ollama";
import { afterEach, describe, expect, it } from "vitest";
import type { LlmChunk, StreamChatRequest } from "../ollama-client.ts";
import { createOllamaPool, type OllamaPool } from "./ollama-pool.ts";
import { rendezvousOrder } from "./rendezvous.ts";

const fakes: FakeOllama[] = [];
const pools: OllamaPool[] = [];

afterEach(async () => {
  for (const pool of pools.splice(0)) pool.close();
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

async function startHosts(count: number, options: Parameters<typeof startFakeOllama>[0] = {}): Promise<FakeOllama[]> {
  const started = await Promise.all(Array.from({ length: count }, () => startFakeOllama(options)));
  fakes.push(...started);
  return started;
}

function poolOver(hosts: FakeOllama[], numParallel: number): OllamaPool {
  const pool = createOllamaPool({ hosts: hosts.map((host) => host.url), numParallel, healthIntervalMs: 60_000, backoff: { initialMs: 20, maxMs: 100 } });
  pools.push(pool);
  return pool;
}

function request(overrides: Partial<StreamChatRequest> = {}): StreamChatRequest {
  return { model: "llama3.2", messages: [{ role: "user", content: "hello" }], numCtx: 2048, signal: new AbortController().signal, ...overrides };
}

async function collect(stream: AsyncGenerator<LlmChunk>): Promise<string> {
  let text = "";
  for await (const chunk of stream) if (chunk.type === "delta") text += chunk.text;
  return text;
}

const chatsOn = (fake: FakeOllama): number => fake.requests.filter((entry) => entry.path === "/api/chat").length;

describe("candidateHosts and StreamChatRequest.host (slots counted outside the pool)", () => {
  it("ranks hosts as the pool routes (model loaded alike, then the chat's own host) without its own slot count", async () => {
    const hosts = await startHosts(3, { tokensPerSecond: 50, replyTokens: 10 });
    const pool = poolOver(hosts, 1);
    const urls = hosts.map((host) => host.url);
    const chat = "chat-ranked";
    const affinity = rendezvousOrder(chat, urls);
    expect(pool.candidateHosts({ model: "llama3.2", numCtx: 2048, affinityKey: chat })).toEqual(affinity);

    // A call on the chat's host fills this instance's only slot there: the pool's own route
    // would now send the next call elsewhere, but the candidates leave slot counting to the caller.
    const running = collect(pool.streamChat(request({ affinityKey: chat })));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(pool.hostStates().find((state) => state.url === affinity[0])?.running).toBe(1);
    expect(pool.candidateHosts({ model: "llama3.2", numCtx: 2048, affinityKey: chat })[0]).toBe(affinity[0]);
    await running;
    // That host now holds the model with num_ctx 2048, so it leads for another chat too.
    expect(pool.candidateHosts({ model: "llama3.2", numCtx: 2048, affinityKey: "another-chat" })[0]).toBe(affinity[0]);
  });

  it("starts a call on the host named in the request, over its own choice, and fails over when that host is out", async () => {
    const hosts = await startHosts(2);
    const pool = poolOver(hosts, 1);
    const urls = hosts.map((host) => host.url);
    const chat = "chat-pinned";
    const other = urls.find((url) => url !== rendezvousOrder(chat, urls)[0])!;
    const otherIndex = urls.indexOf(other);

    await collect(pool.streamChat(request({ affinityKey: chat, host: other })));
    expect(chatsOn(hosts[otherIndex]!)).toBe(1);
    expect(chatsOn(hosts[1 - otherIndex]!)).toBe(0);

    // The named host stops answering: the call moves on to the other one rather than failing.
    await hosts[otherIndex]!.close();
    const text = await collect(pool.streamChat(request({ affinityKey: chat, host: other })));
    expect(text.length).toBeGreaterThan(0);
    expect(chatsOn(hosts[1 - otherIndex]!)).toBe(1);
    expect(pool.candidateHosts({ model: "llama3.2", affinityKey: chat })).toEqual([urls[1 - otherIndex]]);
  });
});
