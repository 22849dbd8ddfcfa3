import { describe, expect, it } from "vitest";
import { extractTerms, stemWord } from "./text-terms.ts";

describe("extractTerms", () => {
  it("folds possessives so a question about a sister's wedding meets the sister", () => {
    expect(extractTerms("What did I tell you about my sister's wedding?")).toEqual(["sister", "wed"]);
    expect(extractTerms("My sister Anna is getting married in June")).toEqual(["sister", "anna", "get", "marry", "june"]);
    expect(extractTerms("Anna’s plans")).toEqual(["anna", "plan"]);
  });

  it("returns nothing for a message made only of stopwords and filler", () => {
    expect(extractTerms("What did you say about it? Can you tell me, please!")).toEqual([]);
    expect(extractTerms("  ...?!  ")).toEqual([]);
  });

  it("keeps numbers, times and month names such as May", () => {
    expect(extractTerms("Meet at 3pm on May 5, 2024 (room 12B)")).toEqual(["meet", "3pm", "may", "5", "2024", "room", "12b"]);
  });

  it("drops negated contractions like other function words and keeps the head of the rest", () => {
    expect(extractTerms("I don't think we'll win; O'Brien can't come")).toEqual(["think", "win", "obrien", "come"]);
  });

  it("treats letters of every script as words and folds composed and decomposed accents together", () => {
    expect(extractTerms("Café Müller in Москва")).toEqual(["café", "müller", "москва"]);
    expect(extractTerms("Cafe\u0301")).toEqual(extractTerms("Café"));
  });

  it("cuts unspaced scripts into character pairs so part of a sentence can match", () => {
    expect(extractTerms("東京都")).toEqual(["東京", "京都"]);
    expect(extractTerms("猫")).toEqual(["猫"]);
  });

  it("keeps repeated terms so term frequency counts", () => {
    expect(extractTerms("coffee, more coffee")).toEqual(["coffee", "coffee"]);
  });
});

describe("stemWord", () => {
  it.each([
    ["weddings", "wed"],
    ["wedding", "wed"],
    ["married", "marry"],
    ["marrying", "marry"],
    ["making", "make"],
    ["make", "make"],
    ["hoped", "hope"],
    ["running", "run"],
    ["falling", "fall"],
    ["visiting", "visit"],
    ["played", "play"],
    ["agreed", "agree"],
    ["classes", "class"],
    ["boxes", "box"],
    ["watches", "watch"],
    ["cities", "city"],
    ["ties", "tie"],
    ["sisters", "sister"],
  ])("%s -> %s", (word, stem) => {
    expect(stemWord(word)).toBe(stem);
  });

  it.each(["bus", "gas", "is", "sing", "bring", "need", "speed", "used", "status", "analysis", "glass", "2024", "3pm", "naïve"])(
    "leaves %s alone",
    (word) => {
      expect(stemWord(word)).toBe(word);
    },
  );
});
