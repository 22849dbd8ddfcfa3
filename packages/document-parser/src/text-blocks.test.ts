import { describe, expect, it } from "vitest";
import { looksLikeMarkdown, parseText } from "./text-blocks.ts";

describe("looksLikeMarkdown", () => {
  it("is Markdown with ATX headings, fenced code, pipe tables, two list items, or a .md/.markdown name", () => {
    expect(looksLikeMarkdown("# Title\n\ntext", "a.txt")).toBe(true);
    expect(looksLikeMarkdown("```\ncode\n```", "a.txt")).toBe(true);
    expect(looksLikeMarkdown("| a | b |\n|---|---|\n| 1 | 2 |", "a.txt")).toBe(true);
    expect(looksLikeMarkdown("- one\n- two", "a.txt")).toBe(true);
    expect(looksLikeMarkdown("plain", "notes.MARKDOWN")).toBe(true);
  });

  it("is plain text otherwise: a hashtag, one dash line, a lone pipe", () => {
    expect(looksLikeMarkdown("#hashtag and text\n- just one dash line\na | b", "a.txt")).toBe(false);
  });
});

describe("parseText", () => {
  it("keeps list continuation lines with their item, strips closing hashes, splits table cells", () => {
    const document = parseText("## Title ##\n\n1. first\n   continued\n2) second\n\n| a | b \\| c |\n| :-- | --: |\n| 1 | 2 |\nafter", "x.md");
    expect(document.pages[0]!.blocks).toEqual([
      { kind: "heading", text: "Title", level: 2 },
      { kind: "list", text: "first continued" },
      { kind: "list", text: "second" },
      { kind: "table", text: "a | b | c\n1 | 2" },
      { kind: "paragraph", text: "after" },
    ]);
    expect(document.title).toBe("Title");
  });

  it("keeps an unclosed fence to the end as one paragraph", () => {
    expect(parseText("text\n\n```\nline one\n\nline two", "x.md").pages[0]!.blocks).toEqual([
      { kind: "paragraph", text: "text" },
      { kind: "paragraph", text: "```\nline one\n\nline two" },
    ]);
  });
});
