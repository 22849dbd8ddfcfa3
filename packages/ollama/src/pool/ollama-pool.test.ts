import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { DEFAULT_MODELS, startFakeOllama, type FakeOllama } from "@recall/fake-ollama";
import { afterEach, describe, expect, it } from "vitest";
import type { LlmChunk, StreamChatRequest } from "../ollama-client.ts";
import { createOllamaPool, type OllamaPool } from "./ollama-pool.ts";
import { rendezvousOrder } from "./rendezvous.ts";

const fakes: FakeOllama[] = [];
const pools: OllamaPool[] = [];
const processes: ChildProcess[] = [];

afterEach(async () => {
  for (const pool of pools.splice(0)) pool.close();
  for (const child of processes.splice(0)) {
    child.kill("SIGCONT");
    child.kill("SIGKILL");
  }
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

async function startHosts(count: number, options: Parameters<typeof startFakeOllama>[0] = {}): Promise<FakeOllama[]> {
  const started = await Promise.all(Array.from({ length: count }, () => startFakeOllama(options)));
  fakes.push(...started);
  return started;
}

function poolOver(hosts: Array<{ url: string }>, options: Partial<Parameters<typeof createOllamaPool>[0]> = {}): OllamaPool {
  const pool = createOllamaPool({ hosts: hosts.map((host) => host.url), healthIntervalMs: 60_000, backoff: { initialMs: 20, maxMs: 100 }, ...options });
  pools.push(pool);
  return pool;
}

/** Makes a fake hold llama3.2 with this num_ctx, as a call from another client would; the call is not counted. */
async function preload(fake: FakeOllama, numCtx: number): Promise<void> {
  const response = await fetch(`${fake.url}/api/chat`, {
    method: "POST",
    body: JSON.stringify({ model: "llama3.2", messages: [{ role: "user", content: "warm up" }], stream: false, options: { num_ctx: numCtx } }),
  });
  await response.arrayBuffer();
  fake.requests.length = 0;
}

/** A chat id whose rendezvous choice among `urls` is `urls[index]`. */
function chatPreferring(urls: string[], index: number, salt = ""): string {
  for (let attempt = 0; ; attempt += 1) {
    const key = `chat-${salt}${attempt}`;
    if (rendezvousOrder(key, urls)[0] === urls[index]) return key;
  }
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

describe("createOllamaPool", () => {
  it("routes a call to the host holding the model with the same num_ctx, over the chat's own host", async () => {
    const hosts = await startHosts(3);
    await preload(hosts[1]!, 4096);
    await preload(hosts[2]!, 2048);
    const pool = poolOver(hosts);
    await pool.checkHosts();
    const urls = hosts.map((host) => host.url);
    const chat = chatPreferring(urls, 0);

    await collect(pool.streamChat(request({ affinityKey: chat, numCtx: 2048 })));
    expect(hosts.map(chatsOn)).toEqual([0, 0, 1]);
    await collect(pool.streamChat(request({ affinityKey: chat, numCtx: 4096 })));
    expect(hosts.map(chatsOn)).toEqual([0, 1, 1]);
    // Nobody holds num_ctx 8192: every host would load, so the chat's own host is chosen.
    await collect(pool.streamChat(request({ affinityKey: chat, numCtx: 8192 })));
    expect(hosts.map(chatsOn)).toEqual([1, 1, 1]);
  });

  it("keeps a chat on one host while it is healthy and spreads new chats over the hosts", async () => {
    const hosts = await startHosts(3);
    for (const host of hosts) await preload(host, 2048);
    const pool = poolOver(hosts);
    await pool.checkHosts();
    const urls = hosts.map((host) => host.url);
    const servedBy = new Map<string, Set<number>>();
    for (let chat = 0; chat < 30; chat += 1) {
      for (let turn = 0; turn < 2; turn += 1) {
        const before = hosts.map(chatsOn);
        await collect(pool.streamChat(request({ affinityKey: `chat-${chat}` })));
        const host = hosts.map(chatsOn).findIndex((count, index) => count > before[index]!);
        servedBy.set(`chat-${chat}`, (servedBy.get(`chat-${chat}`) ?? new Set()).add(host));
      }
    }
    for (const [chat, served] of servedBy) {
      expect(served.size).toBe(1);
      expect(urls[[...served][0]!]).toBe(rendezvousOrder(chat, urls)[0]);
    }
    const perHost = hosts.map(chatsOn);
    expect(perHost.every((count) => count >= 6)).toBe(true);
  });

  it("moves a call to another host when its host is stopped, and puts the host back once a probe answers", async () => {
    const hosts = await startHosts(2);
    for (const host of hosts) await preload(host, 2048);
    const pool = poolOver(hosts);
    await pool.checkHosts();
    const chat = chatPreferring(hosts.map((host) => host.url), 0);
    const port = hosts[0]!.port;
    await hosts[0]!.close();

    expect(await collect(pool.streamChat(request({ affinityKey: chat })))).not.toBe("");
    expect(chatsOn(hosts[1]!)).toBe(1);
    expect(pool.hostStates().map((host) => host.healthy)).toEqual([false, true]);
    // While it is out, the chat stays on the healthy host without trying the dead one first.
    await collect(pool.streamChat(request({ affinityKey: chat })));
    expect(chatsOn(hosts[1]!)).toBe(2);

    // A restarted Ollama holds nothing; once it holds the model again, the chat goes home.
    const restarted = await startFakeOllama({ port });
    fakes.push(restarted);
    await preload(restarted, 2048);
    await new Promise((resolve) => setTimeout(resolve, 30));
    await pool.checkHosts();
    expect(pool.hostStates().map((host) => host.healthy)).toEqual([true, true]);
    await collect(pool.streamChat(request({ affinityKey: chat })));
    expect(chatsOn(restarted)).toBe(1);
  });

  it("ends a stream whose host dies mid-reply with STREAM_BROKEN at once, without replaying it elsewhere", async () => {
    const hosts = await startHosts(2, { tokensPerSecond: 20, replyTokens: 30 });
    const pool = poolOver(hosts);
    await pool.checkHosts();
    const chat = chatPreferring(hosts.map((host) => host.url), 0);
    let text = "";
    let deltas = 0;
    const startedAt = performance.now();
    let killedAt = 0;
    const failure = await (async () => {
      for await (const chunk of pool.streamChat(request({ affinityKey: chat }))) {
        if (chunk.type !== "delta") continue;
        text += chunk.text;
        deltas += 1;
        if (deltas === 3) {
          killedAt = performance.now();
          void hosts[0]!.close();
        }
      }
      return null;
    })().catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: "STREAM_BROKEN" });
    expect(text.length).toBeGreaterThan(0);
    expect(performance.now() - killedAt).toBeLessThan(1_000);
    expect(killedAt - startedAt).toBeGreaterThan(0);
    expect(chatsOn(hosts[1]!)).toBe(0);
    expect(pool.hostStates()[0]!.healthy).toBe(false);
    await collect(pool.streamChat(request({ affinityKey: chat })));
    expect(chatsOn(hosts[1]!)).toBe(1);
  });

  it("takes a host answering 5xx out and retries the call on another; a missing model is looked for on the others", async () => {
    const hosts = await startHosts(2);
    hosts[1]!.setModels([...DEFAULT_MODELS, { name: "phi3" }]);
    const pool = poolOver(hosts);
    await pool.checkHosts();
    const urls = hosts.map((host) => host.url);
    hosts[0]!.queueScript({ failure: { kind: "http-error", status: 500, message: "runner crashed" } });
    expect(await collect(pool.streamChat(request({ affinityKey: chatPreferring(urls, 0) })))).not.toBe("");
    expect(pool.hostStates().map((host) => host.healthy)).toEqual([false, true]);

    await pool.checkHosts();
    await new Promise((resolve) => setTimeout(resolve, 30));
    await pool.checkHosts();
    expect(pool.hostStates()[0]!.healthy).toBe(true);
    // phi3 is only on the second host; llama3.2 only on the first.
    expect(await collect(pool.streamChat(request({ model: "phi3", affinityKey: chatPreferring(urls, 0, "phi") })))).not.toBe("");
    expect(pool.hostStates().map((host) => host.healthy)).toEqual([true, true]);
    expect((await pool.listModels()).map((model) => model.name).sort()).toEqual(["llama3.2:latest", "nomic-embed-text:latest", "phi3:latest"]);
  });

  it("counts slots: a chat whose host is full goes to a free one, and capacity follows health", async () => {
    const hosts = await startHosts(2);
    for (const host of hosts) await preload(host, 2048);
    const pool = poolOver(hosts, { numParallel: 1 });
    await pool.checkHosts();
    let changes = 0;
    pool.onCapacityChange(() => (changes += 1));
    expect(pool.capacity()).toBe(2);
    const chat = chatPreferring(hosts.map((host) => host.url), 0);
    hosts[0]!.queueScript({ tokens: [" a"], failure: { kind: "hang", afterTokens: 0 } });
    const stop = new AbortController();
    const hanging = pool.streamChat(request({ affinityKey: chat, signal: stop.signal }));
    const first = hanging.next().catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(chatsOn(hosts[0]!)).toBe(1);
    await collect(pool.streamChat(request({ affinityKey: chat })));
    expect(chatsOn(hosts[1]!)).toBe(1);
    stop.abort();
    expect(await first).toMatchObject({ name: "LlmAbortedError" });

    await hosts[1]!.close();
    // The chat's own host is gone: the call fails there before any token and moves on.
    await collect(pool.streamChat(request({ affinityKey: chatPreferring(hosts.map((host) => host.url), 1) })));
    expect(chatsOn(hosts[0]!)).toBe(2);
    expect(pool.capacity()).toBe(1);
    expect(changes).toBe(1);
  });

  it("stops a stream on a host that froze (no FIN, no bytes) once its probe fails, long before the idle timeout", async () => {
    const child = spawn(process.execPath, [fileURLToPath(new URL("../../../fake-ollama/src/cli.ts", import.meta.url)), "--port", "0", "--tps", "10", "--reply-tokens", "200"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    processes.push(child);
    const [line] = (await once(child.stdout!, "data")) as [Buffer];
    const frozenUrl = line.toString().trim();
    const [healthy] = await startHosts(1);
    const pool = poolOver([{ url: frozenUrl }, healthy!], { healthIntervalMs: 100, probeTimeoutMs: 300, idleTimeoutMs: 120_000 });
    await pool.checkHosts();
    const chat = chatPreferring([frozenUrl, healthy!.url], 0);
    let text = "";
    let frozenAt = 0;
    const failure = await (async () => {
      for await (const chunk of pool.streamChat(request({ affinityKey: chat }))) {
        if (chunk.type !== "delta") continue;
        text += chunk.text;
        if (frozenAt === 0) {
          frozenAt = performance.now();
          child.kill("SIGSTOP");
        }
      }
      return null;
    })().catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: "STREAM_BROKEN" });
    expect(text.length).toBeGreaterThan(0);
    expect(performance.now() - frozenAt).toBeLessThan(3_000);
    expect(pool.hostStates()[0]!.healthy).toBe(false);
    await collect(pool.streamChat(request({ affinityKey: chat })));
    expect(chatsOn(healthy!)).toBe(1);
  });
});
