import { describe, expect, it } from "vitest";
import { documentsAnswerRule, renderDocumentsOverview, renderPassageForPrompt } from "./prompt-text.ts";

describe("documentsAnswerRule", () => {
  it("asks for [n] citations and a follow-up question instead of a guess", () => {
    expect(documentsAnswerRule).toContain("[n]");
    expect(documentsAnswerRule).toMatch(/follow-up question/);
    expect(documentsAnswerRule).toMatch(/instead of guessing/);
  });
});

describe("renderDocumentsOverview", () => {
  it("writes one line per document with its pages and a clipped summary", () => {
    const overview = renderDocumentsOverview([
      { name: "Annual report.pdf", pageCount: 34, summary: "word ".repeat(200) },
      { name: "notes\nline.md", pageCount: 1, summary: null },
      { name: "scan.docx", pageCount: null, summary: "  A short\nsummary. " },
    ]);
    const lines = overview.split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe("Documents in this chat:");
    expect(lines[1]!.startsWith("- Annual report.pdf (34 pages): word word")).toBe(true);
    expect(lines[1]!.endsWith("…")).toBe(true);
    expect(lines[1]!.length).toBeLessThanOrEqual("- Annual report.pdf (34 pages): ".length + 300);
    expect(lines[2]).toBe("- notes line.md (1 page)");
    expect(lines[3]).toBe("- scan.docx: A short summary.");
    expect(renderDocumentsOverview([])).toBe("");
  });
});

describe("renderPassageForPrompt", () => {
  it("puts the source line (document, page or pages, section) before the text", () => {
    expect(renderPassageForPrompt({ text: "Rated 14.5 bar.\n", documentName: "manual.pdf", pageStart: 3, pageEnd: 3, section: "Specs > Pump" })).toBe(
      'From "manual.pdf", page 3, section "Specs > Pump":\nRated 14.5 bar.',
    );
    expect(renderPassageForPrompt({ text: "Text", documentName: "a\nb.pdf", pageStart: 3, pageEnd: 4, section: null })).toBe('From "a b.pdf", pages 3-4:\nText');
  });
});
