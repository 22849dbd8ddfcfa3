import { describe, expect, it } from "vitest";
import { isWithinCue, parseTemporalCue, withoutRelativeCue } from "./temporal-cues.ts";

// A Monday.
const now = new Date(Date.UTC(2026, 2, 23, 15, 30));
const day = (month: number, date: number): string => new Date(Date.UTC(2026, month - 1, date)).toISOString().slice(0, 10);
const range = (query: string): [string, string] | null => {
  const cue = parseTemporalCue(query, now);
  return cue === null ? null : [cue.start.toISOString().slice(0, 10), cue.end.toISOString().slice(0, 10)];
};

describe("parseTemporalCue", () => {
  it.each([
    ["What did I eat yesterday?", [day(3, 22), day(3, 23)]],
    ["What did I do last week?", [day(3, 16), day(3, 23)]],
    ["What did I buy last month?", [day(2, 1), day(3, 1)]],
    ["What did I treat myself to two weeks ago?", [day(3, 6), day(3, 13)]],
    ["Which film did I see three days ago?", [day(3, 19), day(3, 22)]],
    ["Which band did I see live on March 14?", [day(3, 14), day(3, 15)]],
    ["Which band did I see on the 14th of March?", [day(3, 14), day(3, 15)]],
    ["What happened in mid-February?", [day(2, 11), day(2, 21)]],
    ["What happened in early March?", [day(3, 1), day(3, 11)]],
    ["What did I read in December?", ["2025-12-01", day(1, 1)]],
    ["What did I cook last Tuesday?", [day(3, 17), day(3, 18)]],
    ["What did we do on Saturday?", [day(3, 21), day(3, 22)]],
  ] as const)("%s", (query, expected) => {
    expect(range(query)).toEqual(expected);
  });

  it("finds no cue where there is none, or where a weekday is a plan or May is a verb", () => {
    expect(parseTemporalCue("What's my sister called?", now)).toBeNull();
    expect(parseTemporalCue("Plan a family day out for this Saturday", now)).toBeNull();
    expect(parseTemporalCue("Six people are coming round on Saturday; plan me a menu", now)).toBeNull();
    expect(parseTemporalCue("May I ask something about my car?", now)).toBeNull();
    expect(parseTemporalCue("What did I say two weeks ago?", new Date(Number.NaN))).toBeNull();
  });

  it("marks relative cues so their words are not searched, and keeps absolute dates searchable", () => {
    const relative = parseTemporalCue("What did I treat myself to two weeks ago?", now);
    expect(relative?.relative).toBe(true);
    expect(withoutRelativeCue("What did I treat myself to two weeks ago?", relative).replace(/\s+/g, " ")).toBe("What did I treat myself to ?");
    const absolute = parseTemporalCue("Which band did I see live on March 14?", now);
    expect(absolute?.relative).toBe(false);
    expect(withoutRelativeCue("Which band did I see live on March 14?", absolute)).toBe("Which band did I see live on March 14?");
  });
});

describe("isWithinCue", () => {
  it("takes the period, a day before it and a week after it (events are told in the days after)", () => {
    const cue = parseTemporalCue("Which band did I see live on March 14?", now)!;
    const at = (month: number, date: number): number => Date.UTC(2026, month - 1, date, 12);
    expect(isWithinCue(at(3, 14), cue)).toBe(true);
    expect(isWithinCue(at(3, 13), cue)).toBe(true);
    expect(isWithinCue(at(3, 20), cue)).toBe(true);
    expect(isWithinCue(at(3, 23), cue)).toBe(false);
    expect(isWithinCue(at(3, 11), cue)).toBe(false);
  });
});
