import { describe, expect, it } from "vitest";
import { documentTerms, queryTerms, termFrequencies } from "./document-terms.ts";

describe("documentTerms", () => {
  it("lower-cases, drops stopwords and stems so word forms meet", () => {
    expect(documentTerms("The Pumps were LAUNCHED in 2024")).toEqual(["pump", "launch", "2024"]);
    expect(documentTerms("launching the pump")).toEqual(["launch", "pump"]);
  });

  it("keeps duplicates for term frequency, and every term is deterministic and space-free", () => {
    const text = "Pressure, pressure and more pressure: 14.5 bar at the Tarsk site's inlet. 東京の工場";
    const terms = documentTerms(text);
    expect(terms.filter((term) => term === "pressur")).toHaveLength(3);
    expect(terms).toEqual(documentTerms(text));
    for (const term of terms) expect(term).toMatch(/^\S+$/);
    expect(terms).toContain("tarsk");
    expect(terms).toContain("14");
  });

  it("gives the query its distinct terms and a chunk its frequencies", () => {
    expect(queryTerms("pump pumps pumping?")).toEqual(["pump"]);
    expect(termFrequencies("pump pumps valve")).toEqual(new Map([["pump", 2], ["valv", 1]]));
  });
});
