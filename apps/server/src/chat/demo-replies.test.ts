import { describe, expect, it } from "vitest";
import { demoReply } from "./demo-replies.ts";

describe("demoReply", () => {
  it("shows code, a table or steps when the question asks for them", () => {
    expect(demoReply("Write a TypeScript function to debounce")?.text).toContain("```ts");
    expect(demoReply("Compare SQLite and PostgreSQL")?.text).toContain("| --- |");
    expect(demoReply("How do I install it?")?.text).toMatch(/^1\. /m);
  });

  it("leaves every other question to the fake's filler", () => {
    expect(demoReply("Tell me about streaming.")).toBeUndefined();
    expect(demoReply("A long answer, please.")).toBeUndefined();
  });
});
