import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ExtractedBlock } from "@recall/documents";
import { createDocumentParser, defaultParserLimits, type DocumentParser, type ParseOutcome } from "./index.ts";
import { makeDocx, makeMarkdown, makePdf, sampleParagraph } from "./testing/index.ts";

let parser: DocumentParser;
beforeAll(() => {
  parser = createDocumentParser({ ...defaultParserLimits, workers: 2 });
});
afterAll(async () => {
  await parser.close();
});

function documentOf(outcome: ParseOutcome) {
  if (!outcome.ok) throw new Error(`refused: ${outcome.refusal.code}: ${outcome.refusal.message}`);
  return outcome;
}
const summary = (blocks: ExtractedBlock[]): string[] => blocks.map((block) => `${block.kind}${block.level ?? ""}: ${block.text}`);

describe("a PDF", () => {
  it("keeps its pages, headings (by font size) and paragraphs (by line gaps), and reports progress per page", async () => {
    const long = sampleParagraph(1, 120);
    const bytes = await makePdf({
      title: "Field report",
      pages: [
        { heading: "Introduction", paragraphs: [long, "A short second paragraph."] },
        { heading: "Methods", paragraphs: ["Soil samples were taken weekly."] },
        { paragraphs: ["A page without a heading."] },
      ],
    });
    const progress: Array<[number, number]> = [];
    const { document, warnings, stats } = documentOf(await parser.parse(bytes, "report.pdf", (done, total) => progress.push([done, total])));
    expect(document.kind).toBe("pdf");
    expect(document.title).toBe("Field report");
    expect(document.pageCount).toBe(3);
    expect(document.pages.map((page) => page.number)).toEqual([1, 2, 3]);
    // The long paragraph wraps over several lines in the PDF and comes back as one paragraph.
    expect(summary(document.pages[0]!.blocks)).toEqual(["heading1: Introduction", `paragraph: ${long}`, "paragraph: A short second paragraph."]);
    expect(summary(document.pages[1]!.blocks)).toEqual(["heading1: Methods", "paragraph: Soil samples were taken weekly."]);
    expect(summary(document.pages[2]!.blocks)).toEqual(["paragraph: A page without a heading."]);
    expect(progress).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    expect(warnings).toEqual([]);
    expect(stats.workerHeapPeakBytes).toBeGreaterThan(0);
  });

  it("takes its title from the first heading when the metadata has none", async () => {
    const bytes = await makePdf({ pages: [{ heading: "Annual summary", paragraphs: ["Text."] }] });
    expect(documentOf(await parser.parse(bytes, "x.pdf")).document.title).toBe("Annual summary");
  });
});

describe("a DOCX", () => {
  it("keeps headings with their levels, paragraphs and a table (rows by line, cells by ' | '), decoding entities", async () => {
    const bytes = await makeDocx({
      title: "Budget & plans",
      sections: [
        { heading: "Summary", paragraphs: ["Costs <rose> by 5% & more.", "Second paragraph."] },
        { heading: "Details", paragraphs: ["Third paragraph."] },
      ],
      table: [
        ["Item", "Cost"],
        ["Sensors", "1,200"],
      ],
    });
    const progress: Array<[number, number]> = [];
    const { document } = documentOf(await parser.parse(bytes, "plans.docx", (done, total) => progress.push([done, total])));
    expect(document).toMatchObject({ kind: "docx", title: "Budget & plans", pageCount: 1 });
    expect(document.pages).toHaveLength(1);
    expect(summary(document.pages[0]!.blocks)).toEqual([
      "heading1: Budget & plans",
      "heading2: Summary",
      "paragraph: Costs <rose> by 5% & more.",
      "paragraph: Second paragraph.",
      "heading2: Details",
      "paragraph: Third paragraph.",
      "table: Item | Cost\nSensors | 1,200",
    ]);
    expect(progress).toEqual([[1, 1]]);
  });
});

describe("Markdown and plain text", () => {
  it("reads Markdown structure: headings, paragraphs, list items, a pipe table, fenced code as one paragraph", async () => {
    const bytes = makeMarkdown({
      title: "Notes",
      sections: [{ heading: "Plan", paragraphs: ["First paragraph\nwrapped.", "Second."], items: ["one", "two"] }],
      table: [
        ["a", "b"],
        ["1", "2"],
      ],
    });
    const withCode = new Uint8Array([...bytes, ...new TextEncoder().encode("\n```ts\nconst x = 1;\n\nconst y = 2;\n```\n")]);
    const { document } = documentOf(await parser.parse(withCode, "notes.txt"));
    expect(document).toMatchObject({ kind: "markdown", title: "Notes", pageCount: 1 });
    expect(summary(document.pages[0]!.blocks)).toEqual([
      "heading1: Notes",
      "heading2: Plan",
      "paragraph: First paragraph wrapped.",
      "paragraph: Second.",
      "list: one",
      "list: two",
      "table: a | b\n1 | 2",
      "paragraph: ```ts\nconst x = 1;\n\nconst y = 2;\n```",
    ]);
  });

  it("reads plain text as paragraphs, with a BOM and CRLF line ends; a .md name makes it Markdown", async () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode("First line\r\nsame paragraph\r\n\r\nSecond paragraph\r\n")]);
    const text = documentOf(await parser.parse(bytes, "readme.txt")).document;
    expect(text).toMatchObject({ kind: "text", title: null, pageCount: 1 });
    expect(summary(text.pages[0]!.blocks)).toEqual(["paragraph: First line\nsame paragraph", "paragraph: Second paragraph"]);
    expect(documentOf(await parser.parse(bytes, "readme.md")).document.kind).toBe("markdown");
  });

  it("reads UTF-16 text with a byte-order mark", async () => {
    const bytes = new Uint8Array(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("Grüße aus Köln", "utf16le")]));
    expect(summary(documentOf(await parser.parse(bytes, "a.txt")).document.pages[0]!.blocks)).toEqual(["paragraph: Grüße aus Köln"]);
  });
});

describe("the pool", () => {
  it("parses files side by side in its workers and leaves the caller's bytes alone", async () => {
    const pdf = await makePdf({ pages: [{ heading: "One", paragraphs: ["Alpha."] }] });
    const docx = await makeDocx({ sections: [{ heading: "Two", paragraphs: ["Beta."] }] });
    const pdfCopy = pdf.slice();
    const outcomes = await Promise.all([parser.parse(pdf, "a.pdf"), parser.parse(docx, "b.docx"), parser.parse(pdf, "c.pdf")]);
    expect(outcomes.map((outcome) => outcome.ok && outcome.document.title)).toEqual(["One", "Two", "One"]);
    expect(pdf).toEqual(pdfCopy);
  });

  it("rejects parses after close", async () => {
    const closed = createDocumentParser(defaultParserLimits);
    await closed.close();
    await expect(closed.parse(new TextEncoder().encode("hello"), "a.txt")).rejects.toThrow(/closed/);
  });

  it("refuses limits that are not positive numbers", () => {
    expect(() => createDocumentParser({ ...defaultParserLimits, timeoutMs: 0 })).toThrow(/timeoutMs/);
  });
});
