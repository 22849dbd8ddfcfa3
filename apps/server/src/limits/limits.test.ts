import { connect, type Socket } from "node:net";
import type { FakeOllamaOptions } from "@recall/fake-ollama";
import { TRPCClientError } from "@trpc/client";
import { afterEach, describe, expect, it } from "vitest";
import type { RecallConfig } from "../env.ts";
import type { RecallMetrics } from "../ops/recall-metrics.ts";
import { collectStream, startHarness, trpcRejection, waitFor, type Harness, type RecallClient } from "../testing/harness.ts";
import { relaxedLimitSettings, type LimitSettings } from "./limit-settings.ts";

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function startLimited(limits: Partial<LimitSettings>, fake: FakeOllamaOptions = {}, config: Partial<RecallConfig> = {}): Promise<Harness> {
  harness = await startHarness({ config: { ...config, limits: { ...relaxedLimitSettings, ...limits } }, fake: { tokensPerSecond: 2000, firstTokenLatencyMs: 0, ...fake } });
  return harness;
}

/** `retryAfterSeconds` of a refused call. */
async function refusal(call: Promise<unknown>): Promise<{ code: string | undefined; message: string; retryAfterSeconds: unknown }> {
  const error = await call.then(
    () => null,
    (caught: unknown) => caught,
  );
  if (!(error instanceof TRPCClientError)) throw new Error(`expected a refusal, got ${String(error)}`);
  const data = error.data as { code?: string; retryAfterSeconds?: unknown };
  return { code: data.code, message: error.message, retryAfterSeconds: data.retryAfterSeconds };
}

async function sendAndFinish(client: RecallClient, sessionId: string, content: string): Promise<void> {
  const { assistantMessage } = await client.message.send.mutate({ sessionId, content });
  await collectStream(client, assistantMessage.id);
}

const longWindow = 60_000;

describe("limits on one instance", () => {
  it("messages per window: the N-th send goes through, the N+1-th is refused with when to retry", async () => {
    const { newUser } = await startLimited({ messagesPerSecond: { max: 3, windowMs: longWindow } });
    const { client } = await newUser();
    const session = await client.session.create.mutate({});
    for (let sent = 0; sent < 3; sent += 1) await sendAndFinish(client, session.id, `message ${sent}`);
    const refused = await refusal(client.message.send.mutate({ sessionId: session.id, content: "one too many" }));
    expect(refused.code).toBe("TOO_MANY_REQUESTS");
    expect(refused.message).toMatch(/sending messages too fast — try again in \d+ s/);
    expect(refused.retryAfterSeconds).toBeGreaterThan(0);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(60);
    // Per user: someone else still sends.
    const other = await newUser();
    const theirs = await other.client.session.create.mutate({});
    await sendAndFinish(other.client, theirs.id, "hello");
  });

  it("regenerate counts against the same rate, the per-minute cap too", async () => {
    const { newUser, recall } = await startLimited({ messagesPerMinute: { max: 2, windowMs: longWindow } });
    const { client } = await newUser();
    const session = await client.session.create.mutate({});
    const { assistantMessage } = await client.message.send.mutate({ sessionId: session.id, content: "first" });
    await collectStream(client, assistantMessage.id);
    const again = await client.message.regenerate.mutate({ messageId: assistantMessage.id });
    await collectStream(client, again.assistantMessage.id);
    expect((await refusal(client.message.regenerate.mutate({ messageId: assistantMessage.id }))).code).toBe("TOO_MANY_REQUESTS");
    // Counted under the limit that refused it.
    const { limitRejections } = await (recall.services.limits.metrics as unknown as RecallMetrics).counts();
    expect(limitRejections).toMatchObject({ messages_per_minute: 1, messages_per_second: 0 });
  });

  it("plain HTTP gets 429 with Retry-After", async () => {
    const { newUser, url } = await startLimited({ messagesPerSecond: { max: 1, windowMs: longWindow } });
    const { client, token } = await newUser();
    const session = await client.session.create.mutate({});
    await sendAndFinish(client, session.id, "one");
    const response = await fetch(`${url}/trpc/message.send`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ sessionId: session.id, content: "two" }),
    });
    expect(response.status).toBe(429);
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("message size: the configured number of characters passes, one more is refused", async () => {
    const { newUser } = await startLimited({ messageMaxChars: 100 });
    const { client } = await newUser();
    const session = await client.session.create.mutate({});
    await sendAndFinish(client, session.id, "x".repeat(100));
    const refused = await refusal(client.message.send.mutate({ sessionId: session.id, content: "x".repeat(101) }));
    expect(refused.code).toBe("PAYLOAD_TOO_LARGE");
    expect(refused.message).toMatch(/at most 100 characters/);
  });

  it("stored text: a send that would pass the quota is refused, replies count, temporary chats do not", async () => {
    // Each reply is "ok" (2 characters); the quota is read afresh for every send.
    const { newUser } = await startLimited({ storedCharsPerUser: 100, storedTextRecountMs: 0 }, { reply: () => ({ text: "ok" }) });
    const { client } = await newUser();
    const session = await client.session.create.mutate({});
    await sendAndFinish(client, session.id, "x".repeat(50)); // 52 stored
    await sendAndFinish(client, session.id, "x".repeat(46)); // 100 stored
    const refused = await refusal(client.message.send.mutate({ sessionId: session.id, content: "x" }));
    expect(refused.code).toBe("TOO_MANY_REQUESTS");
    expect(refused.message).toMatch(/stored 100 of your 100 characters/);
    const temporary = await client.session.create.mutate({ ephemeral: true });
    await sendAndFinish(client, temporary.id, "not stored");
  });

  it("temporary chats: the text they hold in memory is capped per user, replies included", async () => {
    const { newUser } = await startLimited({ temporaryCharsPerUser: 50 }, { reply: () => ({ text: "ok" }) });
    const { client } = await newUser();
    const temporary = await client.session.create.mutate({ ephemeral: true });
    await sendAndFinish(client, temporary.id, "x".repeat(46)); // 48 held
    await sendAndFinish(client, temporary.id, "x".repeat(2)); // 52 held: this send fitted (48 + 2)
    const refused = await refusal(client.message.send.mutate({ sessionId: temporary.id, content: "x" }));
    expect(refused.code).toBe("TOO_MANY_REQUESTS");
    expect(refused.message).toMatch(/temporary chats hold 52 of the 50 characters/);
    await client.session.delete.mutate({ sessionId: temporary.id });
    const next = await client.session.create.mutate({ ephemeral: true });
    await sendAndFinish(client, next.id, "fresh start");
  });

  it("chats and temporary chats per user", async () => {
    const { newUser } = await startLimited({ chatsPerUser: 2, temporaryChatsPerUser: 1 });
    const { client } = await newUser();
    await client.session.create.mutate({});
    await client.session.create.mutate({});
    expect((await refusal(client.session.create.mutate({}))).message).toMatch(/2 chats, the most allowed/);
    await client.session.create.mutate({ ephemeral: true });
    expect((await refusal(client.session.create.mutate({ ephemeral: true }))).message).toMatch(/1 temporary chats open/);
  });

  it("replies in flight per user: the third is refused until one ends", async () => {
    const { newUser, fake } = await startLimited({ generationsPerUser: 2 });
    const { client } = await newUser();
    const sessions = [await client.session.create.mutate({}), await client.session.create.mutate({}), await client.session.create.mutate({})];
    fake.queueScript({ text: "a long reply", failure: { kind: "hang", afterTokens: 1 } });
    fake.queueScript({ text: "a long reply", failure: { kind: "hang", afterTokens: 1 } });
    const first = await client.message.send.mutate({ sessionId: sessions[0]!.id, content: "one" });
    await client.message.send.mutate({ sessionId: sessions[1]!.id, content: "two" });
    const refused = await refusal(client.message.send.mutate({ sessionId: sessions[2]!.id, content: "three" }));
    expect(refused.code).toBe("TOO_MANY_REQUESTS");
    expect(refused.message).toMatch(/2 of your replies are already being written/);
    await client.message.stop.mutate({ messageId: first.assistantMessage.id });
    await sendAndFinish(client, sessions[2]!.id, "three");
  });

  it("replies per server: one runs, the next waits its turn, past the queue a send is refused", async () => {
    const { newUser, fake, recall } = await startLimited({ generationsPerServer: 1, generationQueue: 1 });
    const users = [await newUser(), await newUser(), await newUser()];
    const sessions = await Promise.all(users.map(({ client }) => client.session.create.mutate({})));
    fake.queueScript({ text: "a long reply", failure: { kind: "hang", afterTokens: 1 } });
    const running = await users[0]!.client.message.send.mutate({ sessionId: sessions[0]!.id, content: "one" });
    const queued = await users[1]!.client.message.send.mutate({ sessionId: sessions[1]!.id, content: "two" });
    await waitFor(() => recall.services.limits.generations.waitingCount === 1);
    // The sender is told where its reply waits.
    expect(running.queuedAhead).toBeNull();
    expect(queued.queuedAhead).toBe(0);
    const refused = await refusal(users[2]!.client.message.send.mutate({ sessionId: sessions[2]!.id, content: "three" }));
    expect(refused.code).toBe("TOO_MANY_REQUESTS");
    expect(refused.message).toMatch(/Recall is busy: 1 replies are waiting/);
    expect(fake.activeStreams()).toBe(1);
    await users[0]!.client.message.stop.mutate({ messageId: running.assistantMessage.id });
    const reply = await collectStream(users[1]!.client, queued.assistantMessage.id);
    expect(reply.final?.type).toBe("done");
  });

  it("the request timeout covers receiving a request, not a reply streamed for longer", async () => {
    const { newUser } = await startLimited({ requestTimeoutMs: 1000, headersTimeoutMs: 1000 }, { tokensPerSecond: 10, replyTokens: 30 });
    const { client } = await newUser();
    const session = await client.session.create.mutate({});
    const { assistantMessage } = await client.message.send.mutate({ sessionId: session.id, content: "take your time" });
    const reply = await collectStream(client, assistantMessage.id, { timeoutMs: 15_000 });
    expect(reply.final?.type).toBe("done");
    // Streamed as deltas over about 3 s, none of it replayed from a snapshot after a cut.
    expect(reply.events.filter((event) => event.event.type === "delta").length).toBeGreaterThan(20);
    expect(reply.events.some((event) => event.event.type === "snapshot")).toBe(false);
  });

  it("new users per address: the N-th anonymous identity is made, the N+1-th refused; known identities do not count", async () => {
    const { clientFor } = await startLimited({ usersPerAddress: { max: 2, windowMs: 3_600_000 } });
    const first = await clientFor(null).auth.token.mutate();
    await clientFor(null).auth.token.mutate();
    const refused = await refusal(clientFor(null).auth.token.mutate());
    expect(refused.code).toBe("TOO_MANY_REQUESTS");
    expect(refused.message).toMatch(/Too many new identities from your network — try again in \d+ min/);
    expect(refused.retryAfterSeconds).toBeGreaterThan(3500);
    // The caller's own identity is not a new user.
    await clientFor(first.accessToken).auth.token.mutate();
  });

  it("new users per address read the client's address through the trusted proxy only", async () => {
    const { url } = await startLimited({ usersPerAddress: { max: 1, windowMs: 3_600_000 } });
    const fromAddress = (address: string) =>
      fetch(`${url}/trpc/auth.token`, { method: "POST", headers: { "content-type": "application/json", "x-forwarded-for": address }, body: "{}" }).then((response) => response.status);
    // No trusted proxy: X-Forwarded-For is ignored, every call is 127.0.0.1's.
    expect([await fromAddress("198.51.100.1"), await fromAddress("198.51.100.2")]).toEqual([200, 429]);
    await harness?.close();
    const behindProxy = await startLimited({ usersPerAddress: { max: 1, windowMs: 3_600_000 } }, {}, { trustProxy: ["127.0.0.1"] });
    const viaProxy = (address: string) =>
      fetch(`${behindProxy.url}/trpc/auth.token`, { method: "POST", headers: { "content-type": "application/json", "x-forwarded-for": address }, body: "{}" }).then((response) => response.status);
    expect([await viaProxy("198.51.100.1"), await viaProxy("198.51.100.2"), await viaProxy("198.51.100.1")]).toEqual([200, 200, 429]);
  });

  it("login attempts per address and login: the N+1-th is refused whatever the password", async () => {
    const { clientFor } = await startLimited({ loginAttempts: { max: 3, windowMs: 300_000 } });
    const anonymous = clientFor(null);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect((await refusal(anonymous.auth.logIn.mutate({ login: "ann", password: `guess ${attempt}` }))).code).not.toBe("TOO_MANY_REQUESTS");
    }
    const refused = await refusal(anonymous.auth.logIn.mutate({ login: "ANN", password: "another guess" }));
    expect(refused.code).toBe("TOO_MANY_REQUESTS");
    expect(refused.message).toMatch(/Too many login attempts/);
    expect((await refusal(anonymous.auth.logIn.mutate({ login: "bob", password: "guess" }))).code).not.toBe("TOO_MANY_REQUESTS");
  });

  it("connections per address: the N-th is served, the N+1-th is closed at once", async () => {
    const { url } = await startLimited({ connectionsPerAddress: 3 });
    const port = Number(new URL(url).port);
    const ask = (): Promise<string> =>
      new Promise((resolve) => {
        const socket = connect(port, "127.0.0.1", () => socket.write(`GET /livez HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`));
        let answer = "";
        socket.on("data", (data) => {
          answer += String(data);
          // Keep it open: it holds its place.
          if (answer.includes("\r\n\r\n")) resolve(answer.slice(0, 12));
        });
        socket.on("error", () => undefined);
        socket.on("close", () => resolve(answer.slice(0, 12) || "closed"));
        sockets.push(socket);
      });
    const sockets: Socket[] = [];
    try {
      expect([await ask(), await ask(), await ask()]).toEqual(["HTTP/1.1 200", "HTTP/1.1 200", "HTTP/1.1 200"]);
      expect(await ask()).toBe("closed");
      sockets[0]!.destroy();
      await waitFor(async () => (await ask()) === "HTTP/1.1 200");
    } finally {
      for (const socket of sockets) socket.destroy();
    }
  });

  it("a batch of more than batchSize procedures is refused", async () => {
    const { url } = await startLimited({ batchSize: 3 });
    const batch = (count: number) => fetch(`${url}/trpc/${Array(count).fill("health").join(",")}?batch=1&input=${encodeURIComponent("{}")}`);
    expect((await batch(3)).status).toBe(200);
    const refused = await batch(4);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toMatch(/Batch call exceeds maximum size/);
  });

  it("counts every refusal in the metrics, by limit", async () => {
    const { newUser, recall } = await startLimited({ chatsPerUser: 1, messageMaxChars: 10 });
    const { client } = await newUser();
    const session = await client.session.create.mutate({});
    await trpcRejection(client.session.create.mutate({}));
    await trpcRejection(client.message.send.mutate({ sessionId: session.id, content: "x".repeat(11) }));
    // The composition root hands the limits Recall's own metrics.
    const metrics = recall.services.limits.metrics as unknown as RecallMetrics;
    const { limitRejections } = await metrics.counts();
    expect(limitRejections).toMatchObject({ chats: 1, message_size: 1, messages_per_second: 0 });
  });
});
