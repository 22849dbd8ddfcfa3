import type { StreamEvent } from "@recall/schema";
import { describe, expect, it } from "vitest";
import { applyStreamEvent, initialLiveMessage, isFinished } from "./stream-state.ts";
import type { LiveMessage } from "./stream-state.ts";

function applyAll(events: [id: string, data: StreamEvent][], start: LiveMessage = initialLiveMessage): LiveMessage {
  return events.reduce((state, [id, data]) => applyStreamEvent(state, { id, data }), start);
}

describe("applyStreamEvent", () => {
  it("starts empty and unreceived, so the stored row is shown until the first event", () => {
    expect(initialLiveMessage.received).toBe(false);
    expect(isFinished(initialLiveMessage)).toBe(false);
  });

  it("withdraws the text of a reply that moderation withheld, keeping the reason", () => {
    const state = applyAll([
      ["1", { type: "delta", text: "Something the policy forbids" }],
      ["2", { type: "error", code: "CONTENT_BLOCKED", message: "The reply was withheld: it contained weapons content." }],
    ]);
    expect(state).toMatchObject({ status: "error", content: "", error: "The reply was withheld: it contained weapons content." });
  });

  it("keeps the partial text when a model call fails for another reason", () => {
    const state = applyAll([
      ["1", { type: "delta", text: "Half an ans" }],
      ["2", { type: "error", code: "STREAM_BROKEN", message: "The connection to the model broke." }],
    ]);
    expect(state).toMatchObject({ status: "error", content: "Half an ans" });
  });

  it("appends deltas in order", () => {
    const state = applyAll([
      ["1", { type: "delta", text: "Hel" }],
      ["2", { type: "delta", text: "lo" }],
      ["3", { type: "delta", text: ", world" }],
    ]);
    expect(state).toMatchObject({ received: true, content: "Hello, world", status: "streaming" });
  });

  it("follows the queue place as it counts down, and forgets it once the text starts", () => {
    const waiting = applyAll([
      ["1", { type: "queued", ahead: 2 }],
      ["2", { type: "queued", ahead: 1 }],
    ]);
    expect(waiting).toMatchObject({ received: true, queuedAhead: 1, content: "", status: "streaming" });
    const running = applyAll([["3", { type: "queued", ahead: 0 }], ["4", { type: "delta", text: "Hi" }]], waiting);
    expect(running).toMatchObject({ queuedAhead: null, content: "Hi" });
  });

  it("ignores an event id it has already applied, as after a replay from the start", () => {
    const state = applyAll([
      ["1", { type: "delta", text: "Hi" }],
      ["2", { type: "delta", text: " there" }],
      ["1", { type: "delta", text: "Hi" }],
      ["2", { type: "delta", text: " there" }],
      ["3", { type: "delta", text: "!" }],
    ]);
    expect(state.content).toBe("Hi there!");
  });

  it("lets a snapshot replace all text, then appends later deltas to it", () => {
    const state = applyAll([
      ["1", { type: "delta", text: "stale" }],
      ["snapshot", { type: "snapshot", content: "The whole text", status: "streaming" }],
      ["9", { type: "delta", text: " so far" }],
    ]);
    expect(state).toMatchObject({ content: "The whole text so far", status: "streaming" });
  });

  it("applies a snapshot again under the same id, since it carries the whole, possibly newer, text", () => {
    const state = applyAll([
      ["snapshot", { type: "snapshot", content: "Saved so far", status: "streaming" }],
      ["snapshot", { type: "snapshot", content: "Saved so far, and later", status: "streaming" }],
    ]);
    expect(state.content).toBe("Saved so far, and later");
  });

  it("finishes on a snapshot with a final status", () => {
    const state = applyAll([["snapshot", { type: "snapshot", content: "Done long ago", status: "complete" }]]);
    expect(state).toMatchObject({ content: "Done long ago", status: "complete" });
    expect(isFinished(state)).toBe(true);
  });

  it("completes on done with the token counts and keeps the text", () => {
    const state = applyAll([
      ["1", { type: "delta", text: "Answer" }],
      ["2", { type: "done", promptTokens: 42, completionTokens: 7, doneReason: "stop" }],
    ]);
    expect(state).toMatchObject({ content: "Answer", status: "complete", promptTokens: 42, completionTokens: 7 });
  });

  it("marks an interruption with its reason and keeps the partial text", () => {
    const state = applyAll([
      ["1", { type: "delta", text: "Half an ans" }],
      ["2", { type: "interrupted", reason: "stopped" }],
    ]);
    expect(state).toMatchObject({ content: "Half an ans", status: "interrupted", interruptReason: "stopped" });
  });

  it("records the error message", () => {
    const state = applyAll([
      ["1", { type: "delta", text: "Par" }],
      ["2", { type: "error", code: "MODEL_ERROR", message: "The model crashed." }],
    ]);
    expect(state).toMatchObject({ content: "Par", status: "error", error: "The model crashed." });
  });

  it("changes nothing after a final event", () => {
    const finished = applyAll([
      ["1", { type: "delta", text: "Final" }],
      ["2", { type: "done", promptTokens: null, completionTokens: null, doneReason: null }],
    ]);
    const after = applyAll(
      [
        ["3", { type: "delta", text: " more" }],
        ["4", { type: "error", code: "STREAM_BROKEN", message: "late" }],
      ],
      finished,
    );
    expect(after).toBe(finished);
  });
});
