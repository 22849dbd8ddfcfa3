import { describe, expect, it } from "vitest";
import { planProfileMerge, type KnownProfileFact } from "./profile-merge.ts";

const known = (id: string, kind: KnownProfileFact["kind"], value: string, source: KnownProfileFact["source"]): KnownProfileFact => ({ id, kind, value, source });

describe("planProfileMerge", () => {
  it("stores what is new and skips what is known, ignoring case", () => {
    const merge = planProfileMerge([known("1", "interest", "Urban cycling", "pattern")], [{ kind: "interest", value: "urban cycling" }, { kind: "interest", value: "jazz" }], "model");
    expect(merge).toEqual({ delete: [], create: [{ kind: "interest", value: "jazz", source: "model" }] });
  });

  it("replaces single-valued kinds, never what the user typed", () => {
    const existing = [known("1", "name", "Robert", "pattern"), known("2", "name", "Rob", "model"), known("3", "name", "Robert Smith", "user"), known("4", "interest", "chess", "pattern")];
    const merge = planProfileMerge(existing, [{ kind: "name", value: "Bob" }, { kind: "interest", value: "go" }], "pattern");
    expect(merge.delete.sort()).toEqual(["1", "2"]);
    expect(merge.create).toEqual([
      { kind: "name", value: "Bob", source: "pattern" },
      { kind: "interest", value: "go", source: "pattern" },
    ]);
  });

  it("keeps the last value found of a single-valued kind and repeats nothing", () => {
    const merge = planProfileMerge([known("1", "location", "Porto", "pattern")], [
      { kind: "location", value: "Lisbon" },
      { kind: "location", value: "porto" },
      { kind: "preference", value: "short answers" },
      { kind: "preference", value: "Short answers" },
    ], "model");
    // "porto" is the last location said, and it is known already: nothing to replace.
    expect(merge).toEqual({ delete: [], create: [{ kind: "preference", value: "short answers", source: "model" }] });
  });

  it("adds a different value beside the user's own, and skips the user's own value", () => {
    const existing = [known("u", "name", "Marta Silva", "user")];
    expect(planProfileMerge(existing, [{ kind: "name", value: "Marta" }], "model")).toEqual({ delete: [], create: [{ kind: "name", value: "Marta", source: "model" }] });
    expect(planProfileMerge(existing, [{ kind: "name", value: "marta silva" }], "model")).toEqual({ delete: [], create: [] });
    expect(planProfileMerge(existing, [{ kind: "name", value: "   " }], "model")).toEqual({ delete: [], create: [] });
  });
});
