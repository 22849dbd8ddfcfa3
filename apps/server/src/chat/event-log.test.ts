import { describe, expect, it, vi } from "vitest";
import { EventLogStore, MessageEventLog } from "./event-log.ts";

describe("MessageEventLog", () => {
  it("numbers events densely and merges pending deltas into one frame", () => {
    const log = new MessageEventLog("m1", "u1");
    log.append({ type: "delta", text: "Hel" });
    log.append({ type: "delta", text: "lo" });
    log.append({ type: "delta", text: "!" });
    expect(log.readAfter(0)).toEqual([{ id: 3, event: { type: "delta", text: "Hello!" } }]);
    expect(log.readAfter(1)).toEqual([{ id: 3, event: { type: "delta", text: "lo!" } }]);
    expect(log.readAfter(3)).toEqual([]);
  });

  it("never merges across the final event, and refuses events after it", () => {
    const log = new MessageEventLog("m1", "u1");
    log.append({ type: "delta", text: "a" });
    log.append({ type: "done", promptTokens: 1, completionTokens: 1, doneReason: "stop" });
    expect(log.readAfter(0).map((frame) => frame.event.type)).toEqual(["delta", "done"]);
    expect(log.finished).toBe(true);
    expect(() => log.append({ type: "delta", text: "late" })).toThrow(/already finished/);
  });

  it("wakes waiting readers on append and when asked to", async () => {
    const log = new MessageEventLog("m1", "u1");
    let woken = 0;
    const waiting = log.waitForEventsAfter(0).then(() => (woken += 1));
    await Promise.resolve();
    expect(woken).toBe(0);
    log.append({ type: "delta", text: "x" });
    await waiting;
    expect(woken).toBe(1);
    const second = log.waitForEventsAfter(1);
    log.wakeReaders();
    await second;
    expect(log.lastId).toBe(1);
  });

  it("counts readers, and a reader detaching twice counts once", () => {
    const log = new MessageEventLog("m1", "u1");
    const detachA = log.attachReader();
    const detachB = log.attachReader();
    expect(log.readerCount).toBe(2);
    detachA();
    detachA();
    expect(log.readerCount).toBe(1);
    detachB();
    expect(log.readerCount).toBe(0);
  });
});

describe("a log held for its shared copy (scaled mode)", () => {
  it("gives readers only what the shared log holds, and everything once it stops holding", async () => {
    const log = new MessageEventLog("m1", "u1");
    log.holdForSharedCopy();
    log.append({ type: "delta", text: "a" });
    log.append({ type: "delta", text: "b" });
    log.append({ type: "done", promptTokens: 1, completionTokens: 2, doneReason: "stop" });
    expect(log.readAfter(0)).toEqual([]);
    let woken = false;
    const waiting = log.waitForEventsAfter(0).then(() => (woken = true));
    await Promise.resolve();
    expect(woken).toBe(false);
    log.publishUpTo(1);
    await waiting;
    expect(log.readAfter(0)).toEqual([{ id: 1, event: { type: "delta", text: "a" } }]);
    // Finished, but its end not copied yet: a reader waits for it rather than ending early.
    let ended = false;
    void log.waitForEventsAfter(1).then(() => (ended = true));
    await Promise.resolve();
    expect(ended).toBe(false);
    // The shared log unreachable: readers are no longer held back.
    log.publishUpTo(null);
    await Promise.resolve();
    expect(ended).toBe(true);
    expect(log.readAfter(1).map((entry) => entry.id)).toEqual([2, 3]);
  });
});

describe("EventLogStore", () => {
  it("keeps a retired log for a while, then drops it", () => {
    vi.useFakeTimers();
    try {
      const store = new EventLogStore({ retainFinishedMs: 1000 });
      store.create("m1", "u1");
      store.retire("m1");
      vi.advanceTimersByTime(999);
      expect(store.get("m1")).toBeDefined();
      vi.advanceTimersByTime(1);
      expect(store.get("m1")).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });
});
