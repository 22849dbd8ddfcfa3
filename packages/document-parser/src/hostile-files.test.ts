import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { DocumentRefusalCode } from "@recall/documents";
import { createDocumentParser, defaultParserLimits, type DocumentParser, type ParseOutcome, type ParserLimits } from "./index.ts";
import {
  makeDocx,
  makeEncryptedPdf,
  makePdf,
  makePdfWithEmbeddedFile,
  makePdfWithJavaScript,
  makeScannedPdf,
  makeStripedPng,
  makeZipBomb,
  sampleParagraph,
  truncate,
} from "./testing/index.ts";

/** Every parser a test makes is closed after it, whatever happened. */
const parsers: DocumentParser[] = [];
function newParser(limits: Partial<ParserLimits> = {}): DocumentParser {
  const parser = createDocumentParser({ ...defaultParserLimits, ...limits });
  parsers.push(parser);
  return parser;
}
afterEach(async () => {
  await Promise.all(parsers.splice(0).map((parser) => parser.close()));
});

function refusalOf(outcome: ParseOutcome, code: DocumentRefusalCode): string {
  expect(outcome.ok ? "parsed" : outcome.refusal.code).toBe(code);
  if (outcome.ok) throw new Error("parsed");
  return outcome.refusal.message;
}
const text = (value: string): Uint8Array => new TextEncoder().encode(value);
const mebibytes = (bytes: number): number => bytes / 2 ** 20;

let bigPdf: Uint8Array;
beforeAll(async () => {
  const pages = Array.from({ length: 300 }, (_, index) => ({
    heading: `Section ${index + 1}`,
    paragraphs: [sampleParagraph(index, 150), sampleParagraph(index + 1_000, 150), sampleParagraph(index + 2_000, 100)],
  }));
  bigPdf = await makePdf({ pages });
});

describe("size and type", () => {
  it("refuses a file over maxBytes before any worker starts, and an empty one", async () => {
    const parser = newParser({ maxBytes: 1_000, workerMemoryMb: 1 });
    // With a 1 MB heap a worker could not even start: these answers come from the main thread.
    expect(refusalOf(await parser.parse(new Uint8Array(1_001), "big.pdf"), "too_large")).toBe(
      "This file is 1,001 bytes; the limit is 1,000 bytes. Split it into smaller files, or remove images to make it smaller, and upload it again.",
    );
    expect(refusalOf(await parser.parse(new Uint8Array(0), "empty.pdf"), "empty")).toMatch(/empty/);
  });

  it("names what a file really is, whatever its name says", async () => {
    const parser = newParser();
    expect(refusalOf(await parser.parse(makeStripedPng(8, 8), "report.pdf"), "unsupported_type")).toMatch(/^This is a PNG image, not a document.*Upload a PDF/);
    const exe = new Uint8Array(512);
    exe.set([0x4d, 0x5a]);
    exe.set([0x50, 0x45, 0, 0], 0x80);
    exe.set([0x80], 0x3c);
    expect(refusalOf(await parser.parse(exe, "notes.txt"), "unsupported_type")).toMatch(/Windows program/);
    const oldWord = new Uint8Array(4096);
    oldWord.set([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
    expect(refusalOf(await parser.parse(oldWord, "letter.doc"), "unsupported_type")).toMatch(/old-style Office file/);
    expect(refusalOf(await parser.parse(new Uint8Array([0, 1, 2, 3, 0, 0, 255, 254, 7]), "data.txt"), "unsupported_type")).toMatch(/^This file is not a document/);
    expect(refusalOf(await parser.parse(text("   \n\n  "), "blank.txt"), "empty")).toMatch(/empty/);
  });

  it("does not take a zip without word/document.xml for a Word document", async () => {
    const docx = await makeDocx({ sections: [{ heading: "A", paragraphs: ["B"] }] });
    // Rename the entry in both headers: the same zip, now without word/document.xml.
    const renamed = Buffer.from(docx);
    let at = renamed.indexOf("word/document.xml");
    while (at !== -1) {
      renamed.write("word/documenX.xml", at);
      at = renamed.indexOf("word/document.xml", at + 1);
    }
    expect(refusalOf(await newParser().parse(new Uint8Array(renamed), "a.docx"), "unsupported_type")).toMatch(/ZIP archive/);
  });
});

describe("names", () => {
  it("parses files with path-like, bidi-spoofed and very long names; only the content decides the type", async () => {
    const parser = newParser();
    const markdown = text("# Heading\n\nBody.");
    for (const name of ["../../../etc/passwd", "C:\\Windows\\system32\\notes.md", "\u202Egpj.md", `${"a".repeat(10_000)}.md`, "\0\n\r", ""]) {
      const outcome = await parser.parse(markdown, name);
      expect(outcome.ok && outcome.document.kind).toBe("markdown");
    }
    expect(refusalOf(await parser.parse(makeStripedPng(4, 4), "../../x.md"), "unsupported_type")).toMatch(/PNG image/);
  });
});

describe("hostile PDFs", () => {
  it("refuses a malformed and a truncated PDF as corrupt", async () => {
    const parser = newParser();
    const good = await makePdf({ pages: [{ heading: "Title", paragraphs: [sampleParagraph(1)] }, { paragraphs: [sampleParagraph(2)] }] });
    expect(refusalOf(await parser.parse(text("%PDF-1.7\nthis is not a PDF at all\n%%EOF"), "a.pdf"), "corrupt")).toMatch(/damaged or incomplete/);
    expect(refusalOf(await parser.parse(truncate(good, 0.5), "a.pdf"), "corrupt")).toMatch(/save or export it again/);
    expect((await parser.parse(good, "a.pdf")).ok).toBe(true);
  });

  it("reads the text of a PDF with JavaScript without running it, and says so", async () => {
    const outcome = await newParser().parse(await makePdfWithJavaScript(), "a.pdf");
    expect(outcome.ok && outcome.document.pages[0]!.blocks.map((block) => block.text)).toEqual(["Report with a script", "This PDF would run a script when opened."]);
    expect(outcome.ok && outcome.warnings).toEqual(["This PDF contains JavaScript. It was not run; only the text was read."]);
  });

  it("reads the text of a PDF with an embedded file without extracting it, and says so", async () => {
    const outcome = await newParser().parse(await makePdfWithEmbeddedFile(), "a.pdf");
    expect(outcome.ok && outcome.document.title).toBe("Report with an attachment");
    expect(outcome.ok && outcome.warnings).toEqual([expect.stringMatching(/embedded files. They were not opened or extracted/)]);
  });

  it("refuses a password-protected PDF", async () => {
    expect(refusalOf(await newParser().parse(makeEncryptedPdf(), "a.pdf"), "encrypted")).toBe(
      "This PDF is password-protected. Remove the password (for example by printing it to a new PDF) and upload it again.",
    );
  });

  it("refuses a scanned PDF (images, no text layer) and says to run OCR", async () => {
    expect(refusalOf(await newParser().parse(await makeScannedPdf(), "scan.pdf"), "no_text")).toMatch(/scanned document without a text layer. Run OCR/);
  });

  it("refuses a PDF with more pages than maxPages before reading them", async () => {
    const progress: number[] = [];
    expect(refusalOf(await newParser({ maxPages: 299 }).parse(bigPdf, "a.pdf", (done) => progress.push(done)), "too_many_pages")).toMatch(/has 300 pages; the limit is 299/);
    expect(progress).toEqual([]);
  });
});

describe("hostile Word documents", () => {
  it("reads the text of a macro-enabled document without running its macros, and says so", async () => {
    const outcome = await newParser().parse(await makeDocx({ sections: [{ heading: "Invoice", paragraphs: ["Enable content to view."] }], withMacros: true }), "invoice.docx");
    expect(outcome.ok && outcome.document.pages[0]!.blocks.map((block) => block.text)).toEqual(["Invoice", "Enable content to view."]);
    expect(outcome.ok && outcome.warnings).toEqual(["This document contains macros. They were not run; only the text was read."]);
  });

  it("refuses a truncated DOCX as corrupt", async () => {
    const docx = await makeDocx({ sections: [{ heading: "A", paragraphs: [sampleParagraph(5)] }] });
    expect(refusalOf(await newParser().parse(truncate(docx, 0.7), "a.docx"), "corrupt")).toMatch(/damaged or incomplete|could not be read/);
  });
});

describe("zip bombs", () => {
  it("refuses a DOCX-shaped zip bomb from its central directory, without inflating it, and this process's memory stays put", async () => {
    const bomb = await makeZipBomb({ inflatedMb: 200 });
    expect(bomb.length).toBeLessThan(400 * 1024);
    // A generous clock: a bomb that got inflated would show up as too_slow or too_much_memory, not zip_bomb.
    const parser = newParser({ timeoutMs: 10_000 });
    expect((await parser.parse(await makeDocx({ sections: [{ heading: "Warm", paragraphs: ["up"] }] }), "warm.docx")).ok).toBe(true);
    const before = process.memoryUsage().rss;
    expect(refusalOf(await parser.parse(bomb, "report.docx"), "zip_bomb")).toMatch(/unpacks to far more data/);
    expect(mebibytes(process.memoryUsage().rss - before)).toBeLessThan(50);
  });

  it("refuses a bomb that understates its size once inflating shows the truth, with memory bounded", async () => {
    const liar = await makeZipBomb({ inflatedMb: 200, lieAboutSize: true });
    const parser = newParser({ timeoutMs: 10_000 });
    expect((await parser.parse(await makeDocx({ sections: [{ heading: "Warm", paragraphs: ["up"] }] }), "warm.docx")).ok).toBe(true);
    const before = process.memoryUsage().rss;
    expect(refusalOf(await parser.parse(liar, "report.docx"), "zip_bomb")).toMatch(/unpacks/);
    expect(mebibytes(process.memoryUsage().rss - before)).toBeLessThan(50);
  });

  it("refuses a zip with more entries than maxZipEntries, or parts that expand more than the ratio allows", async () => {
    const docx = await makeDocx({ sections: [{ heading: "A", paragraphs: ["B"] }] });
    expect(refusalOf(await newParser({ maxZipEntries: 3 }).parse(docx, "a.docx"), "zip_bomb")).toMatch(/too many parts/);
    expect(refusalOf(await newParser({ maxCompressionRatio: 5 }).parse(await makeZipBomb({ inflatedMb: 1 }), "a.docx"), "zip_bomb")).toMatch(/unpacks/);
  });
});

describe("workers that run out of time or memory", () => {
  it("kills a parse that takes longer than timeoutMs, and the next parse works", async () => {
    const parser = newParser({ timeoutMs: 200 });
    expect(refusalOf(await parser.parse(bigPdf, "big.pdf"), "too_slow")).toMatch(/longer than 0.2 seconds, so it was stopped/);
    const next = await parser.parse(text("# Still here\n\nThe pool replaced its worker."), "next.md");
    expect(next.ok && next.document.title).toBe("Still here");
  });

  it("refuses a parse whose worker runs out of heap, and the next parse works", async () => {
    const parser = newParser({ workerMemoryMb: 16 });
    expect(refusalOf(await parser.parse(bigPdf, "big.pdf"), "too_much_memory")).toMatch(/more memory than a document may use/);
    const next = await parser.parse(text("Small enough."), "next.txt");
    expect(next.ok && next.document.pages[0]!.blocks).toEqual([{ kind: "paragraph", text: "Small enough." }]);
  });
});

describe("many files", () => {
  it("parses 2,000 small files in a row (text, Markdown, PDF, DOCX) with this process's memory bounded", async () => {
    const parser = newParser();
    const pdf = await makePdf({ pages: [{ heading: "Tiny", paragraphs: ["A small PDF."] }] });
    const docx = await makeDocx({ sections: [{ heading: "Tiny", paragraphs: ["A small DOCX."] }] });
    const fileFor = (index: number): [Uint8Array, string] =>
      index % 20 === 0 ? [pdf, `${index}.pdf`] : index % 20 === 10 ? [docx, `${index}.docx`] : index % 2 === 0 ? [text(`# File ${index}\n\nBody.`), `${index}.md`] : [text(`File ${index}.`), `${index}.txt`];
    let parsed = 0;
    let warmRss = 0;
    for (let index = 0; index < 2_000; index++) {
      const [bytes, name] = fileFor(index);
      if ((await parser.parse(bytes, name)).ok) parsed++;
      if (index === 199) warmRss = process.memoryUsage().rss;
    }
    expect(parsed).toBe(2_000);
    expect(mebibytes(process.memoryUsage().rss - warmRss)).toBeLessThan(50);
  });
});
