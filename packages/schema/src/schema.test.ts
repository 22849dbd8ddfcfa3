import { describe, expect, it } from "vitest";
import { idSchema, isFinalStreamEvent, limits, messageContentSchema, sendMessageInput, streamEventSchema } from "./index.ts";

describe("message content", () => {
  it("accepts text up to the limit and keeps it as typed", () => {
    expect(messageContentSchema.parse("  hello  ")).toBe("  hello  ");
    expect(messageContentSchema.safeParse("x".repeat(limits.messageMaxChars)).success).toBe(true);
  });

  it("refuses blank and oversized messages with messages a person can act on", () => {
    expect(messageContentSchema.safeParse(" \n\t").error?.issues[0]?.message).toBe("Type a message before sending.");
    expect(messageContentSchema.safeParse("x".repeat(limits.messageMaxChars + 1)).error?.issues[0]?.message).toMatch(/at most 32,000 characters/);
  });
});

describe("ids", () => {
  it("accepts our ids and refuses paths, blanks and very long strings", () => {
    expect(idSchema.parse("cm3abc_DEF-123")).toBe("cm3abc_DEF-123");
    expect(idSchema.safeParse("../etc/passwd").success).toBe(false);
    expect(idSchema.safeParse("").success).toBe(false);
    expect(idSchema.safeParse("a".repeat(65)).success).toBe(false);
  });

  it("are required where a procedure needs them", () => {
    expect(sendMessageInput.safeParse({ content: "hi" }).success).toBe(false);
  });
});

describe("stream events", () => {
  it("parses each kind and rejects unknown ones", () => {
    expect(streamEventSchema.parse({ type: "delta", text: "x" })).toEqual({ type: "delta", text: "x" });
    expect(streamEventSchema.safeParse({ type: "shout", text: "x" }).success).toBe(false);
  });

  it("knows which events end a stream", () => {
    expect(isFinalStreamEvent({ type: "delta", text: "x" })).toBe(false);
    expect(isFinalStreamEvent({ type: "snapshot", content: "x", status: "streaming" })).toBe(false);
    expect(isFinalStreamEvent({ type: "snapshot", content: "x", status: "complete" })).toBe(true);
    expect(isFinalStreamEvent({ type: "done", promptTokens: 1, completionTokens: 2, doneReason: "stop" })).toBe(true);
    expect(isFinalStreamEvent({ type: "interrupted", reason: "stopped" })).toBe(true);
    expect(isFinalStreamEvent({ type: "error", code: "MODEL_ERROR", message: "x" })).toBe(true);
  });
});
