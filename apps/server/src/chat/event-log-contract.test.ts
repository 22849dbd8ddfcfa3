import { randomBytes } from "node:crypto";
import type { StreamEvent } from "@recall/schema";
import type { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { openStreamsConnection, streamKeys } from "../streams/redis-connections.ts";
import { RedisEventLogs } from "../streams/redis-event-logs.ts";
import { EventLogStore, type EventLogs, type MessageEventLog } from "./event-log.ts";

/**
 * The event-log port's contract, run against both implementations. The writer is the instance
 * generating the reply; the reader is where a subscription lands: the same store in one process,
 * another instance (its own connections) in the scaled mode.
 */
interface Pair {
  writer: EventLogs;
  reader: EventLogs;
  close(): Promise<void>;
}

const retainFinishedMs = 300;
const done: StreamEvent = { type: "done", promptTokens: 3, completionTokens: 2, doneReason: "stop" };
const openedPairs: Pair[] = [];

afterEach(async () => {
  await Promise.all(openedPairs.splice(0).map((pair) => pair.close()));
});

async function memoryPair(): Promise<Pair> {
  const store = new EventLogStore({ retainFinishedMs });
  return { writer: store, reader: store, close: async () => store.clear() };
}

async function redisPair(): Promise<Pair> {
  // The machine's Redis, with a prefix of this run's own (cleaned after).
  const connection = { url: "redis://127.0.0.1:6379", database: 0, prefix: `test:events:${randomBytes(6).toString("hex")}:` };
  const connections: Redis[] = [];
  const instance = () => {
    const command = openStreamsConnection(connection, "test");
    const blocking = openStreamsConnection(connection, "test-reader");
    connections.push(command, blocking);
    return new RedisEventLogs(command, blocking, streamKeys(connection.prefix), { retainFinishedMs, openWaitMs: 500 });
  };
  const writer = instance();
  const reader = instance();
  await Promise.all(connections.map((redis) => new Promise((resolve) => (redis.status === "ready" ? resolve(null) : redis.once("ready", resolve)))));
  return {
    writer,
    reader,
    async close() {
      await writer.close();
      await reader.close();
      const cleaner = connections[0]!;
      const keys = await cleaner.keys(`${connection.prefix}*`);
      if (keys.length > 0) await cleaner.del(...keys);
      for (const redis of connections) redis.disconnect();
    },
  };
}

/** What the subscription does: this instance's log, else the shared one. */
async function open(store: EventLogs, messageId: string, afterId = 0): Promise<MessageEventLog | undefined> {
  return store.get(messageId) ?? (await store.openShared(messageId, afterId));
}

/** Reads frames from `afterId` until the final event, as the subscription does. */
async function readToEnd(log: MessageEventLog, afterId = 0): Promise<Array<{ id: number; event: StreamEvent }>> {
  const frames: Array<{ id: number; event: StreamEvent }> = [];
  let cursor = afterId;
  const detach = log.attachReader();
  try {
    for (;;) {
      await log.waitForEventsAfter(cursor);
      for (const frame of log.readAfter(cursor)) {
        frames.push(frame);
        cursor = frame.id;
        if (frame.event.type !== "delta") return frames;
      }
    }
  } finally {
    detach();
  }
}

function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return (async () => {
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error("condition not met in time");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
}

describe.each([
  ["in process", memoryPair],
  ["Redis Streams", redisPair],
] as const)("event logs (%s)", (_name, makePair) => {
  const pair = async (): Promise<Pair> => {
    const made = await makePair();
    openedPairs.push(made);
    return made;
  };

  it("hands a reader the same dense ids and merged deltas the writer logged, with its owner", async () => {
    const { writer, reader } = await pair();
    const log = writer.create("m1", "owner-1");
    for (const text of ["Hel", "lo", " there"]) log.append({ type: "delta", text });
    log.append(done);
    const read = await open(reader, "m1", 4);
    expect(read?.ownerId).toBe("owner-1");
    expect(read?.readAfter(0)).toEqual([
      { id: 3, event: { type: "delta", text: "Hello there" } },
      { id: 4, event: done },
    ]);
    expect(read?.readAfter(1)).toEqual([
      { id: 3, event: { type: "delta", text: "lo there" } },
      { id: 4, event: done },
    ]);
  });

  it("finds a reply before its first token, and a waiting reader gets every later event once", async () => {
    const { writer, reader } = await pair();
    const log = writer.create("m2", "owner-2");
    const read = await open(reader, "m2");
    expect(read?.ownerId).toBe("owner-2");
    const reading = readToEnd(read!);
    const words = Array.from({ length: 40 }, (_, index) => `w${index} `);
    for (const text of words) {
      log.append({ type: "delta", text });
      await new Promise((resolve) => setImmediate(resolve));
    }
    log.append(done);
    const frames = await reading;
    expect(frames.map((frame) => (frame.event.type === "delta" ? frame.event.text : "")).join("")).toBe(words.join(""));
    expect(frames.at(-1)).toEqual({ id: 41, event: done });
    // Ids only grow: nothing was read twice.
    expect(frames.every((frame, index) => index === 0 || frame.id > frames[index - 1]!.id)).toBe(true);
  });

  it("resumes after any id with nothing missing or repeated", async () => {
    const { writer, reader } = await pair();
    const log = writer.create("m3", "owner-3");
    const texts = ["a", "b", "c", "d", "e"];
    for (const text of texts) log.append({ type: "delta", text });
    log.append(done);
    for (let after = 0; after <= 5; after += 1) {
      const read = await open(reader, "m3", after);
      const frames = await readToEnd(read!, after);
      expect(frames.map((frame) => (frame.event.type === "delta" ? frame.event.text : "")).join("")).toBe(texts.slice(after).join(""));
      expect(frames.at(-1)?.id).toBe(6);
    }
  });

  it("serves a withdrawn reply's later readers no trace of its text", async () => {
    const { writer, reader } = await pair();
    const log = writer.create("m4", "owner-4");
    log.append({ type: "delta", text: "secret words" });
    await new Promise((resolve) => setTimeout(resolve, 50));
    log.withdrawText();
    log.append({ type: "error", code: "CONTENT_BLOCKED", message: "Withheld." });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const read = await open(reader, "m4", 2);
    expect(read?.readAfter(0)).toEqual([
      { id: 1, event: { type: "delta", text: "" } },
      { id: 2, event: { type: "error", code: "CONTENT_BLOCKED", message: "Withheld." } },
    ]);
  });

  it("keeps a finished log for a while, then has none (the reader takes the snapshot)", async () => {
    const { writer, reader } = await pair();
    const log = writer.create("m5", "owner-5");
    log.append(done);
    writer.retire("m5");
    expect((await open(reader, "m5", 1))?.finished).toBe(true);
    await waitUntil(async () => (await open(reader, "m5", 1)) === undefined && writer.get("m5") === undefined, retainFinishedMs + 3000);
    expect(await open(reader, "unknown-message")).toBeUndefined();
  });
});
