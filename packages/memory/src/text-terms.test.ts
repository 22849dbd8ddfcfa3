import { describe, expect, it } from "vitest";
import { extractTerms, stemWord } from "./text-terms.ts";

describe("extractTerms", () => {
  it("folds possessives so a question about a sister's wedding meets the sister", () => {
    expect(extractTerms("What did I tell you about my sister's wedding?")).toEqual(["sister", "wed"]);
    expect(extractTerms("My sister Anna is getting married in June")).toEqual(["sister", "anna", "get", "marri", "june"]);
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
    expect(extractTerms("coffee, more coffee")).toEqual(["coffe", "coffe"]);
  });
});

describe("stemWord", () => {
  it.each([
    ["weddings", "wed"],
    ["wedding", "wed"],
    ["married", "marri"],
    ["marrying", "marri"],
    ["making", "make"],
    ["make", "make"],
    ["hoped", "hope"],
    ["running", "run"],
    ["falling", "fall"],
    ["visiting", "visit"],
    ["played", "play"],
    ["classes", "class"],
    ["boxes", "box"],
    ["watches", "watch"],
    ["ties", "tie"],
    ["sisters", "sister"],
    ["promotion", "promot"],
  ])("%s -> %s", (word, stem) => {
    expect(stemWord(word)).toBe(stem);
  });

  it.each([
    ["promoted", "promotion", "promoting", "promote", "promotions"],
    ["married", "marry", "marrying", "marries"],
    ["relocating", "relocation", "relocate", "relocated"],
    ["moving", "moved", "move", "moves"],
    ["hiked", "hike", "hiking", "hikes"],
    ["instruments", "instrument", "instrumental"],
    ["cities", "city"],
    ["agreed", "agree", "agreeing"],
    ["happiness", "happy"],
    ["ability", "abilities"],
    ["generate", "generation", "generated"],
    ["connection", "connected", "connecting", "connects"],
    ["recommendation", "recommend", "recommended"],
    ["graduation", "graduate", "graduated", "graduates"],
    ["injury", "injuries"],
    ["used", "use", "using", "uses"],
  ])("one family meets at one stem: %s", (...family) => {
    expect(new Set(family.map(stemWord)).size).toBe(1);
  });

  it.each([
    ["general", "generous", "generate"],
    ["universe", "university"],
    ["new", "news"],
    ["organ", "organization"],
    ["past", "pasta"],
    ["police", "policy"],
    ["plan", "plane"],
    ["card", "care"],
    ["arm", "army"],
    ["gas", "gap"],
    ["wand", "wander"],
    ["sky", "ski"],
  ])("different words stay apart: %s", (...words) => {
    expect(new Set(words.map(stemWord)).size).toBe(words.length);
  });

  it.each(["bus", "gas", "is", "sing", "bring", "need", "speed", "status", "glass", "news", "2024", "3pm", "naïve", "Москва"])("leaves %s alone", (word) => {
    expect(stemWord(word)).toBe(word);
  });
});
