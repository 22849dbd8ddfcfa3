import { describe, expect, it } from "vitest";
import { chunkDocument } from "./chunk-document.ts";
import type { ExtractedBlock, ExtractedDocument } from "./types.ts";

const sentence = (index: number): string => `Sentence ${index} says the river was sampled at dawn near the weir.`;
const paragraph = (from: number, count: number): ExtractedBlock => ({
  kind: "paragraph",
  text: Array.from({ length: count }, (_, offset) => sentence(from + offset)).join(" "),
});
const heading = (text: string, level: number): ExtractedBlock => ({ kind: "heading", text, level });
const pdf = (...pages: ExtractedBlock[][]): ExtractedDocument => ({
  kind: "pdf",
  title: null,
  pageCount: pages.length,
  pages: pages.map((blocks, index) => ({ number: index + 1, blocks })),
});
/** Where each sentence number lands: proves nothing is lost and tells which chunk holds what. */
const sentenceNumbers = (text: string): number[] => [...text.matchAll(/Sentence (\d+) says/g)].map((match) => Number(match[1]));

describe("chunkDocument", () => {
  it("numbers chunks 0..n-1, keeps every sentence, and never exceeds the maximum", () => {
    const document = pdf([heading("Methods", 1), paragraph(1, 30)], [paragraph(31, 30)], [paragraph(61, 30)]);
    const chunks = chunkDocument(document);
    expect(chunks.map((chunk) => chunk.ordinal)).toEqual(chunks.map((_, index) => index));
    for (const chunk of chunks) {
      expect(chunk.text.length).toBeLessThanOrEqual(1_000);
      expect(chunk.text.trim().length).toBeGreaterThan(0);
    }
    const seen = new Set(chunks.flatMap((chunk) => sentenceNumbers(chunk.text)));
    expect([...seen].sort((left, right) => left - right)).toEqual(Array.from({ length: 90 }, (_, index) => index + 1));
    // About the target: every chunk but the last of the section reached 800 characters.
    for (const chunk of chunks.slice(0, -1)) expect(chunk.text.length).toBeGreaterThanOrEqual(800);
  });

  it("reports exact page spans: a chunk that crosses a page break covers both pages", () => {
    const chunks = chunkDocument(pdf([paragraph(1, 6)], [paragraph(7, 6)], [paragraph(13, 20)]));
    for (const chunk of chunks) {
      const numbers = sentenceNumbers(chunk.text);
      const pages = numbers.map((number) => (number <= 6 ? 1 : number <= 12 ? 2 : 3));
      expect([chunk.pageStart, chunk.pageEnd]).toEqual([Math.min(...pages), Math.max(...pages)]);
    }
    // Pages 1 and 2 are short: the first chunk takes both and the start of page 3.
    expect(chunks[0]).toMatchObject({ pageStart: 1, pageEnd: 3 });
    expect(chunks.slice(1).every((chunk) => chunk.pageStart === 3 && chunk.pageEnd === 3)).toBe(true);
  });

  it("carries whole trailing sentences of up to overlapChars into the next chunk of the same section", () => {
    const chunks = chunkDocument(pdf([paragraph(1, 40)]), { overlapChars: 150 });
    expect(chunks.length).toBeGreaterThan(2);
    for (let index = 1; index < chunks.length; index += 1) {
      const previous = sentenceNumbers(chunks[index - 1]!.text);
      const current = sentenceNumbers(chunks[index]!.text);
      const shared = current.filter((number) => previous.includes(number));
      // Each sentence is 68 characters: two fit in 150 with the space between them.
      expect(shared).toEqual(previous.slice(-2));
      expect(chunks[index]!.text.startsWith(sentence(shared[0]!))).toBe(true);
    }
  });

  it("does not carry overlap across a section boundary, and puts the heading in the section's first chunk", () => {
    const chunks = chunkDocument(pdf([heading("Methods", 1), paragraph(1, 20), heading("Results", 1), paragraph(21, 5)]));
    const results = chunks.filter((chunk) => chunk.section === "Results");
    expect(results).toHaveLength(1);
    expect(results[0]!.text.startsWith("Results\nSentence 21 says")).toBe(true);
    expect(sentenceNumbers(results[0]!.text)).toEqual([21, 22, 23, 24, 25]);
    expect(chunks[0]!.text.startsWith("Methods\n")).toBe(true);
    expect(chunks.filter((chunk) => chunk.section === "Methods").slice(1).every((chunk) => !chunk.text.includes("Methods"))).toBe(true);
  });

  it("builds section paths from heading levels and keeps an empty parent heading in the child's first chunk", () => {
    const chunks = chunkDocument(
      pdf([heading("Methods", 1), heading("Sampling", 2), paragraph(1, 3), heading("Lab work", 2), paragraph(4, 3), heading("Discussion", 1), paragraph(7, 3)]),
    );
    expect(chunks.map((chunk) => chunk.section)).toEqual(["Methods > Sampling", "Methods > Lab work", "Discussion"]);
    expect(chunks[0]!.text.startsWith("Methods\nSampling\nSentence 1")).toBe(true);
    expect(chunks[1]!.text.startsWith("Lab work\nSentence 4")).toBe(true);
  });

  it("text before the first heading has no section", () => {
    const chunks = chunkDocument(pdf([paragraph(1, 2), heading("Later", 1), paragraph(3, 2)]));
    expect(chunks.map((chunk) => chunk.section)).toEqual([null, "Later"]);
  });

  it("keeps a table whole when it fits", () => {
    const table = ["Site | Depth | pH", ...Array.from({ length: 20 }, (_, index) => `S${index} | ${index} m | 7.${index}`)].join("\n");
    const chunks = chunkDocument(pdf([paragraph(1, 2), { kind: "table", text: table }]));
    expect(chunks.filter((chunk) => chunk.text.includes(table))).toHaveLength(1);
  });

  it("splits a long table by rows and repeats the header row in every part", () => {
    const rows = Array.from({ length: 120 }, (_, index) => `Station ${index} | ${index * 3} metres | pH 7.${index % 10}`);
    const header = "Station | Depth | Acidity";
    const chunks = chunkDocument(pdf([{ kind: "table", text: [header, ...rows].join("\n") }]));
    expect(chunks.length).toBeGreaterThan(3);
    for (const chunk of chunks) {
      expect(chunk.text.startsWith(`${header}\n`)).toBe(true);
      expect(chunk.text.length).toBeLessThanOrEqual(1_000);
    }
    const found = chunks.flatMap((chunk) => chunk.text.split("\n").slice(1));
    expect(found).toEqual(rows);
    const tinyEnd = chunkDocument(pdf([{ kind: "table", text: [header, ...rows.slice(0, 48)].join("\n") }]));
    // 48 rows make groups of 24 and 23 rows and a tiny one of 1: that row joins the rows before them, under one header.
    expect(tinyEnd).toHaveLength(2);
    expect(tinyEnd[1]!.text.split("\n").slice(1)).toEqual(rows.slice(24, 48));
    expect(tinyEnd.map((chunk) => chunk.text.split("\n").filter((line) => line === header).length)).toEqual(tinyEnd.map(() => 1));
  });

  it("splits an oversized paragraph at sentence boundaries", () => {
    const chunks = chunkDocument(pdf([paragraph(1, 25)]), { overlapChars: 0 });
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) expect(chunk.text).toMatch(/^Sentence \d+ says .*weir\.$/s);
  });

  it("cuts a sentence longer than a chunk between words", () => {
    const words = Array.from({ length: 400 }, (_, index) => `word${index}`).join(" ");
    const chunks = chunkDocument(pdf([{ kind: "paragraph", text: words }]), { overlapChars: 0 });
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks.map((chunk) => chunk.text).join(" ")).toBe(words);
  });

  it("merges a tiny last piece into the previous chunk of the same section", () => {
    // 12 sentences fill one chunk; the thirteenth alone would be a 68-character chunk.
    const chunks = chunkDocument(pdf([paragraph(1, 13)]), { overlapChars: 0 });
    expect(chunks).toHaveLength(1);
    expect(sentenceNumbers(chunks[0]!.text)).toHaveLength(13);
  });

  it("does not merge across sections", () => {
    const chunks = chunkDocument(pdf([paragraph(1, 5), heading("Tiny", 1), { kind: "paragraph", text: "Short." }]));
    expect(chunks.map((chunk) => chunk.text)).toEqual([paragraph(1, 5).text, "Tiny\nShort."]);
  });

  it("keeps list items on their own lines", () => {
    const chunks = chunkDocument(pdf([{ kind: "list", text: "- first item\n- second item\n\n- third item" }]));
    expect(chunks.map((chunk) => chunk.text)).toEqual(["- first item\n- second item\n- third item"]);
  });

  it("returns no chunks for a document without text, and never an empty chunk", () => {
    expect(chunkDocument(pdf([{ kind: "paragraph", text: "   " }], []))).toEqual([]);
    expect(chunkDocument(pdf([heading("Only a heading", 1), { kind: "paragraph", text: "\n" }]))).toEqual([]);
  });

  it("is deterministic", () => {
    const document = pdf([heading("A", 1), paragraph(1, 30)], [{ kind: "table", text: "x | y\n1 | 2" }, paragraph(31, 10)]);
    expect(chunkDocument(document)).toEqual(chunkDocument(structuredClone(document)));
  });

  it("refuses options outside the hard limits", () => {
    const document = pdf([paragraph(1, 2)]);
    expect(() => chunkDocument(document, { maxChars: 2_000 })).toThrow(RangeError);
    expect(() => chunkDocument(document, { targetChars: 950 })).toThrow(RangeError);
    expect(() => chunkDocument(document, { overlapChars: 600 })).toThrow(RangeError);
  });
});
