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
    error: null,
    createdAt: "2025-01-01T00:00:00.000Z",
    updatedAt: "2025-01-01T00:00:00.000Z",
    ...overrides,
  };
}

describe("appendMessages", () => {
  it("creates the page when the chat was never fetched", () => {
    expect(appendMessages(undefined, [message("a")])).toEqual({ items: [message("a")], nextBefore: null });
  });

  it("appends after existing messages and skips ones already there", () => {
    const page = { items: [message("a"), message("b")], nextBefore: "older" };
    const next = appendMessages(page, [message("b"), message("c")]);
    expect(next.items.map((item) => item.id)).toEqual(["a", "b", "c"]);
    expect(next.nextBefore).toBe("older");
  });
});

describe("patchMessage", () => {
  it("changes only the named message", () => {
    const page = { items: [message("a"), message("b", { role: "assistant", status: "streaming", content: "" })], nextBefore: null };
    const next = patchMessage(page, "b", { content: "Hi", status: "complete" });
    expect(next?.items[0]).toBe(page.items[0]);
    expect(next?.items[1]).toMatchObject({ id: "b", content: "Hi", status: "complete" });
  });
});
