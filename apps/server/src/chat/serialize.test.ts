import { describe, expect, it } from "vitest";
import { titleFromContent } from "./serialize.ts";

describe("titleFromContent", () => {
  it("uses a short first message as is, on one line", () => {
    expect(titleFromContent("  How do I\nbake bread?  ")).toBe("How do I bake bread?");
  });

  it("cuts a long message at a word boundary and marks the cut", () => {
    const title = titleFromContent("Please explain the difference between a monad and a burrito in terms my grandmother would understand");
    expect(title.endsWith("…")).toBe(true);
    expect(title.length).toBeLessThanOrEqual(61);
    expect(title).not.toMatch(/ …$/);
  });
});
