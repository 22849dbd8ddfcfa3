import { describe, expect, it } from "vitest";
import { appendMessages, patchMessage } from "./message-cache.ts";
import type { ChatMessage } from "./trpc.ts";

function message(id: string, overrides: Partial<ChatMessage> = {}): ChatMessage {
  return {
    id,
    sessionId: "chat-1",
    parentId: null,
    role: "user",
    content: `text of ${id}`,
    status: "complete",
    model: null,
    promptTokens: null,
    completionTokens: null,
    sources: null,
    error: null,
    createdAt: "2025-01-01T00:00:00.000Z",
    updatedAt: "2025-01-01T00:00:00.000Z",
    ...overrides,
  };
}

describe("appendMessages", () => {
  it("creates the page when the chat was never fetched", () => {
    expect(appendMessages(undefined, [message("a")])).toEqual({ messages: [message("a")], truncated: false });
  });

  it("appends after existing messages and skips ones already there", () => {
    const page = { messages: [message("a"), message("b")], truncated: true };
    const next = appendMessages(page, [message("b"), message("c")]);
    expect(next.messages.map((item) => item.id)).toEqual(["a", "b", "c"]);
    expect(next.truncated).toBe(true);
  });
});

describe("patchMessage", () => {
  it("changes only the named message", () => {
    const page = { messages: [message("a"), message("b", { role: "assistant", status: "streaming", content: "" })], truncated: false };
    const next = patchMessage(page, "b", { content: "Hi", status: "complete" });
    expect(next?.messages[0]).toBe(page.messages[0]);
    expect(next?.messages[1]).toMatchObject({ id: "b", content: "Hi", status: "complete" });
  });
});
