import { describe, expect, it } from "vitest";
import { splitSentences, splitWords } from "./sentences.ts";

describe("splitSentences", () => {
  it("splits at terminal punctuation and line breaks, keeping the text whole", () => {
    const text = 'Ada likes tea. She said "never coffee!" Why? Because.\nNext line\n\nLast one';
    const sentences = splitSentences(text);
    expect(sentences).toEqual(["Ada likes tea. ", 'She said "never coffee!" ', "Why? ", "Because.\n", "Next line\n\n", "Last one"]);
    expect(sentences.join("")).toBe(text);
  });

  it("does not split inside numbers", () => {
    expect(splitSentences("Version 3.5 is out. Yes.")).toEqual(["Version 3.5 is out. ", "Yes."]);
  });

  it("returns nothing for empty text", () => {
    expect(splitSentences("")).toEqual([]);
  });
});

describe("splitWords", () => {
  it("keeps whitespace so the words join back into the text", () => {
    const text = "  one two\nthree ";
    expect(splitWords(text)).toEqual(["  one ", "two\n", "three "]);
    expect(splitWords(text).join("")).toBe(text);
  });

  it("handles whitespace-only and empty text", () => {
    expect(splitWords("   ")).toEqual(["   "]);
    expect(splitWords("")).toEqual([]);
  });
});
