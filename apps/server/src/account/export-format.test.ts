import type { Message } from "@recall/schema";
import { describe, expect, it } from "vitest";
import { chatFilename, newestBranch, slugify } from "./export-format.ts";

function message(id: string, parentId: string | null, createdAt: string): Message {
  return { id, sessionId: "s", parentId, role: "user", content: id, status: "complete", model: null, promptTokens: null, completionTokens: null, error: null, sources: null, createdAt, updatedAt: createdAt };
}

describe("export filenames", () => {
  it("slugs titles to plain ASCII and falls back to 'chat'", () => {
    expect(slugify("Crème brûlée: tips & tricks!")).toBe("creme-brulee-tips-tricks");
    expect(slugify("   ")).toBe("chat");
    expect(slugify("日本語のチャット")).toBe("chat");
    expect(slugify("a".repeat(100))).toHaveLength(60);
    expect(chatFilename("New chat", "markdown", new Date("2026-03-14T23:59:00Z"))).toBe("recall-new-chat-2026-03-14.md");
  });
});

describe("the newest branch", () => {
  it("follows parents from the newest message back to the root", () => {
    const messages = [
      message("a", null, "2026-01-01T00:00:00.000Z"),
      message("b", "a", "2026-01-01T00:00:01.000Z"),
      message("c", "a", "2026-01-01T00:00:02.000Z"),
      message("d", "b", "2026-01-01T00:00:01.500Z"),
    ];
    expect(newestBranch(messages).map((item) => item.id)).toEqual(["a", "c"]);
    expect(newestBranch([])).toEqual([]);
  });
});
