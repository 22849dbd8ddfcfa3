import { describe, expect, it } from "vitest";
import { messagesOffBranch } from "./branch.ts";

// u1 → a1 → u2 → a2, with u2 edited into u2b → a3, and a second root r1 → r2.
const chat = [
  { id: "u1", parentId: null },
  { id: "a1", parentId: "u1" },
  { id: "u2", parentId: "a1" },
  { id: "a2", parentId: "u2" },
  { id: "u2b", parentId: "a1" },
  { id: "a3", parentId: "u2b" },
  { id: "r1", parentId: null },
  { id: "r2", parentId: "r1" },
];

describe("messagesOffBranch", () => {
  it("is every message that is not an ancestor of the leaf", () => {
    expect(messagesOffBranch(chat, "a3")).toEqual(["u2", "a2", "r1", "r2"]);
    expect(messagesOffBranch(chat, "a2")).toEqual(["u2b", "a3", "r1", "r2"]);
    expect(messagesOffBranch(chat, "r2")).toEqual(["u1", "a1", "u2", "a2", "u2b", "a3"]);
  });

  it("treats a new root as leaving every branch, and a straight chat as leaving none", () => {
    expect(messagesOffBranch(chat, null)).toHaveLength(chat.length);
    expect(messagesOffBranch(chat.slice(0, 4), "a2")).toEqual([]);
  });

  it("stops on a cycle instead of looping", () => {
    expect(messagesOffBranch([{ id: "x", parentId: "y" }, { id: "y", parentId: "x" }], "x")).toEqual([]);
  });
});
