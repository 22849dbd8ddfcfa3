import { describe, expect, it } from "vitest";
import {
  episodeResponseJsonSchema,
  episodeResponseSchema,
  idSchema,
  parseContextLayout,
  isFinalStreamEvent,
  limits,
  messageContentSchema,
  parseDoneReason,
  profileFactKinds,
  sendMessageInput,
  streamErrorCodes,
  streamEventSchema,
} from "./index.ts";

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
    expect(isFinalStreamEvent({ type: "queued", ahead: 2 })).toBe(false);
    expect(streamEventSchema.safeParse({ type: "queued", ahead: -1 }).success).toBe(false);
    expect(isFinalStreamEvent({ type: "snapshot", content: "x", status: "streaming" })).toBe(false);
    expect(isFinalStreamEvent({ type: "snapshot", content: "x", status: "complete" })).toBe(true);
    expect(isFinalStreamEvent({ type: "done", promptTokens: 1, completionTokens: 2, doneReason: "stop" })).toBe(true);
    expect(isFinalStreamEvent({ type: "interrupted", reason: "stopped" })).toBe(true);
    expect(isFinalStreamEvent({ type: "error", code: "MODEL_ERROR", message: "x" })).toBe(true);
  });
});

describe("closed stream vocabularies", () => {
  it("accepts only the known error codes and end reasons", () => {
    for (const code of streamErrorCodes) expect(streamEventSchema.safeParse({ type: "error", code, message: "x" }).success).toBe(true);
    expect(streamEventSchema.safeParse({ type: "error", code: "MODEL_FAILED", message: "x" }).success).toBe(false);
    expect(streamEventSchema.safeParse({ type: "interrupted", reason: "bored" }).success).toBe(false);
    expect(streamEventSchema.safeParse({ type: "done", promptTokens: 1, completionTokens: 1, doneReason: "whatever" }).success).toBe(false);
  });

  it("reads Ollama's done reason, and an unknown one as null", () => {
    expect(parseDoneReason("stop")).toBe("stop");
    expect(parseDoneReason("length")).toBe("length");
    expect(parseDoneReason("exploded")).toBeNull();
    expect(parseDoneReason(undefined)).toBeNull();
  });
});

describe("the episode the model writes", () => {
  it("is validated with the user's limits, and profile defaults to none", () => {
    expect(episodeResponseSchema.parse({ summary: " A chat. ", facts: ["One fact"] })).toEqual({ summary: "A chat.", facts: ["One fact"], profile: [] });
    expect(episodeResponseSchema.safeParse({ summary: "", facts: [] }).success).toBe(false);
    expect(episodeResponseSchema.safeParse({ summary: "x", facts: [], profile: [{ kind: "shoe size", value: "42" }] }).success).toBe(false);
  });

  it("is sent to Ollama as a JSON schema derived from the zod schema, with the descriptions the model reads", () => {
    const schema = episodeResponseJsonSchema as {
      type: string;
      required: string[];
      properties: Record<string, { description?: string; type: string; items?: { properties?: { kind?: { enum?: string[] } } } }>;
    };
    expect(schema.type).toBe("object");
    expect(schema.required).toEqual(["summary", "facts", "profile"]);
    expect(schema.properties["summary"]?.description).toBe("4 to 8 sentences about what the user and the assistant did in this chat");
    expect(schema.properties["facts"]?.description).toContain("key facts about the user");
    expect(schema.properties["profile"]?.description).toContain("what the user said about themselves");
    expect(schema.properties["profile"]?.items?.properties?.kind?.enum).toEqual([...profileFactKinds]);
    // No string lengths (they blow up llama.cpp's grammar) and no $schema key.
    expect(JSON.stringify(schema)).not.toMatch(/minLength|maxLength|\$schema/);
  });

  it("reads a saved prompt layout, and nothing from a row without one or one that does not parse", () => {
    const layout = { version: 1, anchorId: "m1", appendable: true, frame: { digest: "ab", episodeIds: [], profileIds: ["f1"], summaryText: null, summaryCoveredIds: [] }, blocks: [{ afterId: null, recalled: [{ id: "t1", clippedTo: 400 }], passageIds: [] }] };
    expect(parseContextLayout(JSON.stringify({ model: "llama3.2", layout }))).toEqual(layout);
    expect(parseContextLayout(JSON.stringify({ model: "llama3.2" }))).toBeNull();
    expect(parseContextLayout(JSON.stringify({ layout: { ...layout, version: 2 } }))).toBeNull();
    expect(parseContextLayout("{not json")).toBeNull();
    expect(parseContextLayout("null")).toBeNull();
    expect(parseContextLayout(null)).toBeNull();
  });
});
