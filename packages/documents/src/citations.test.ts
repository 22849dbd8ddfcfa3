import { describe, expect, it } from "vitest";
import { extractCitations } from "./citations.ts";

describe("extractCitations", () => {
  it("reads single, grouped, adjacent, ranged and footnote citations", () => {
    expect(extractCitations("The pump runs at 14 bar [1].", 5)).toEqual([1]);
    expect(extractCitations("Both reports agree [2, 3].", 5)).toEqual([2, 3]);
    expect(extractCitations("Confirmed twice [1][4].", 5)).toEqual([1, 4]);
    expect(extractCitations("Across the trial [1-3] and [4–5].", 5)).toEqual([1, 2, 3, 4, 5]);
    expect(extractCitations("As noted[^2].\n\n[^2]: The audit.", 5)).toEqual([2]);
    expect(extractCitations("See [1; 3].", 5)).toEqual([1, 3]);
  });

  it("reads citations in words", () => {
    expect(extractCitations("According to passage 2, the date moved.", 5)).toEqual([2]);
    expect(extractCitations("Source [3] says otherwise, as do passages 4 and 5.", 5)).toEqual([3, 4, 5]);
  });

  it("sorts and removes duplicates", () => {
    expect(extractCitations("[3] then [1] then [3] again [1, 3].", 5)).toEqual([1, 3]);
  });

  it("ignores numbers outside 1..passageCount, reversed ranges and years", () => {
    expect(extractCitations("[0] [6] [2024] [3-1] [2]", 5)).toEqual([2]);
    expect(extractCitations("[1]", 0)).toEqual([]);
    // A range wider than the passages is not a citation: [1-2000] is a span of years or lines.
    expect(extractCitations("[1-2000]", 5)).toEqual([]);
  });

  it("ignores Markdown links and reference definitions", () => {
    expect(extractCitations("Read [1](https://example.com/a) and ![2](img.png).", 5)).toEqual([]);
    expect(extractCitations("Text.\n\n[1]: https://example.com/ref", 5)).toEqual([]);
  });

  it("ignores fenced and inline code", () => {
    const reply = "Use `items[1]` like this:\n\n```ts\nconst first = list[2];\n```\n\n~~~\nx[3]\n~~~\nAs the manual says [4].";
    expect(extractCitations(reply, 5)).toEqual([4]);
    expect(extractCitations("``a `[1]` b`` and [2]", 5)).toEqual([2]);
    // An unclosed fence runs to the end of the reply.
    expect(extractCitations("Before [1]\n```\nafter [2]", 5)).toEqual([1]);
  });

  it("does not read plain numbers or bracketed words as citations", () => {
    expect(extractCitations("We have 3 passages and [a] list of [notes].", 5)).toEqual([]);
  });
});
