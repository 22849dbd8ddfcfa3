import { describe, expect, it } from "vitest";
import { blocksFromLines, bodySize, headingLevels, linesFromRuns, type TextRun } from "./pdf-layout.ts";

const run = (str: string, x: number, y: number, size: number, hasEOL = false): TextRun => ({
  str,
  transform: [size, 0, 0, size, x, y],
  width: str.length * size * 0.5,
  height: size,
  hasEOL,
});

describe("linesFromRuns", () => {
  it("joins runs on one baseline, adds the space a gap stands for (none where runs touch), and starts a line when the baseline moves", () => {
    const lines = linesFromRuns([run("Hello", 72, 700, 10), run("world", 110, 700, 10), run("Next", 72, 686, 10), run("li", 96, 686, 10), run("ne", 106, 686, 10)]);
    expect(lines.map((line) => [line.text, line.y, line.size])).toEqual([
      ["Hello world", 700, 10],
      ["Next line", 686, 10],
    ]);
  });

  it("takes the font size from the transform's scale, not the run's height", () => {
    const scaled: TextRun = { str: "Big", transform: [1, 0, 0, 24, 72, 700], width: 30, height: 0, hasEOL: true };
    expect(linesFromRuns([scaled])[0]!.size).toBe(24);
  });
});

describe("blocksFromLines", () => {
  const page = [
    { text: "Results", y: 720, x: 72, size: 18 },
    { text: "First line of a paragraph that", y: 690, x: 72, size: 11 },
    { text: "goes on here and hyphen-", y: 675, x: 72, size: 11 },
    { text: "ates a word.", y: 660, x: 72, size: 11 },
    { text: "A second paragraph after a gap.", y: 630, x: 72, size: 11 },
    { text: "• a bullet item", y: 615, x: 72, size: 11 },
    { text: "Discussion", y: 580, x: 72, size: 14 },
    { text: "Closing words.", y: 560, x: 72, size: 11 },
  ];

  it("finds headings by size, paragraphs by gaps, list items by their bullet", () => {
    const body = bodySize(page)!;
    expect(body).toBe(11);
    const levels = headingLevels([{ lines: page, body }]);
    expect(blocksFromLines(page, body, levels)).toEqual([
      { kind: "heading", text: "Results", level: 1 },
      { kind: "paragraph", text: "First line of a paragraph that goes on here and hyphenates a word." },
      { kind: "paragraph", text: "A second paragraph after a gap." },
      { kind: "list", text: "• a bullet item" },
      { kind: "heading", text: "Discussion", level: 2 },
      { kind: "paragraph", text: "Closing words." },
    ]);
  });

  it("treats a long line in a large font as text, not a heading", () => {
    const long = { text: "x".repeat(250), y: 700, x: 72, size: 16 };
    expect(blocksFromLines([long, { text: "body", y: 680, x: 72, size: 11 }], 11, new Map())[0]!.kind).toBe("paragraph");
  });
});
