import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startHarness, waitFor, type Harness } from "../testing/harness.ts";

/** GETs the stream as the tRPC client does (`?input=`), reading raw Server-Sent Events. */
async function rawStream(harness: Harness, token: string | null, input: unknown, options: { stopAfter?: number } = {}) {
  const controller = new AbortController();
  const response = await fetch(`${harness.url}/trpc/message.stream?input=${encodeURIComponent(JSON.stringify(input))}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
    signal: controller.signal,
  });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let frames = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    frames = text.split("\nid: ").length - 1;
    if (options.stopAfter !== undefined && frames >= options.stopAfter) {
      controller.abort();
      break;
    }
  }
  return { status: response.status, headers: response.headers, text };
}

function events(text: string): Array<{ id: string | null; event: string | null; data: string }> {
  return text
    .split(/\n\n+/)
    .filter((block) => block.trim().length > 0)
    .map((block) => {
      const field = (name: string) => block.split("\n").find((line) => line.startsWith(`${name}: `) || line === `${name}:`)?.slice(name.length + 2) ?? null;
      return { id: field("id"), event: field("event"), data: field("data") ?? "" };
    });
}

describe("the reply stream written without tRPC's stream pipeline", () => {
  let harness: Harness;

  beforeEach(async () => {
    harness = await startHarness({ fake: { tokensPerSecond: 40, replyTokens: 40 } });
  });

  afterEach(async () => {
    await harness.close();
  });

  it("writes tRPC's event-stream format: connected, one data+id event per frame, return", async () => {
    const { client, token } = await harness.newUser();
    const sessionId = (await client.session.create.mutate({})).id;
    const { assistantMessage } = await client.message.send.mutate({ sessionId, content: "Tell me something." });
    const { status, headers, text } = await rawStream(harness, token, { messageId: assistantMessage.id });
    expect(status).toBe(200);
    expect(headers.get("content-type")).toBe("text/event-stream");
    expect(headers.get("x-accel-buffering")).toBe("no");
    const parsed = events(text);
    expect(parsed[0]).toEqual({ id: null, event: "connected", data: JSON.stringify({ reconnectAfterInactivityMs: 20_000 }) });
    expect(parsed.at(-1)).toEqual({ id: null, event: "return", data: "" });
    const frames = parsed.slice(1, -1).map((entry) => ({ id: Number(entry.id), event: JSON.parse(entry.data) as { type: string; text?: string } }));
    // Ids only grow, and the frames' text is the saved reply.
    expect(frames.map((frame) => frame.id)).toEqual([...frames.map((frame) => frame.id)].sort((a, b) => a - b));
    expect(frames.at(-1)?.event.type).toBe("done");
    const saved = await client.message.list.query({ sessionId });
    expect(frames.map((frame) => frame.event.text ?? "").join("")).toBe(saved.items.find((message) => message.id === assistantMessage.id)?.content);
  });

  it("resumes after lastEventId with no gap or repeat, and counts a reader that left as gone", async () => {
    const { client, token } = await harness.newUser();
    const sessionId = (await client.session.create.mutate({})).id;
    const { assistantMessage } = await client.message.send.mutate({ sessionId, content: "Count for me." });
    const first = await rawStream(harness, token, { messageId: assistantMessage.id }, { stopAfter: 3 });
    const firstFrames = events(first.text).filter((entry) => entry.id !== null);
    const lastId = firstFrames.at(-1)!.id!;
    const log = harness.recall.services.eventLogs.get(assistantMessage.id)!;
    // The reader that left is no longer counted while the reply is still being written (a socket
    // closed mid-stream detaches it; otherwise nobody-watching could never stop the reply).
    await waitFor(() => log.readerCount === 0);
    expect(log.finished).toBe(false);
    const rest = await rawStream(harness, token, { messageId: assistantMessage.id, lastEventId: lastId });
    const restFrames = events(rest.text).filter((entry) => entry.id !== null);
    expect(Number(restFrames[0]!.id)).toBeGreaterThan(Number(lastId));
    const text = [...firstFrames, ...restFrames].map((entry) => (JSON.parse(entry.data) as { text?: string }).text ?? "").join("");
    const saved = await client.message.list.query({ sessionId });
    expect(text).toBe(saved.items.find((message) => message.id === assistantMessage.id)?.content);
  });

  it("leaves everything else to tRPC: no identity, another user's reply, bad input", async () => {
    const { client, token } = await harness.newUser();
    const other = await harness.newUser();
    const sessionId = (await client.session.create.mutate({})).id;
    const { assistantMessage } = await client.message.send.mutate({ sessionId, content: "Mine alone." });
    const anonymous = events((await rawStream(harness, null, { messageId: assistantMessage.id })).text);
    expect(anonymous.find((entry) => entry.event === "serialized-error")?.data).toContain('"code":"UNAUTHORIZED"');
    const stranger = events((await rawStream(harness, other.token, { messageId: assistantMessage.id })).text);
    expect(stranger.find((entry) => entry.event === "serialized-error")?.data).toContain('"code":"NOT_FOUND"');
    expect(stranger.some((entry) => entry.data.includes('"delta"'))).toBe(false);
    const invalid = events((await rawStream(harness, token, { messageId: 42 })).text);
    expect(invalid.find((entry) => entry.event === "serialized-error")?.data).toContain('"code":"BAD_REQUEST"');
  });
});
