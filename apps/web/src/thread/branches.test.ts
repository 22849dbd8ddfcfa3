import { describe, expect, it } from "vitest";
import { selectBranch } from "./branches.ts";

const message = (id: string, parentId: string | null) => ({ id, parentId });

// u1 → a1 → u2 → a2, a regenerated a2b, and an edited u2b → a3.
const thread = [
  message("u1", null),
  message("a1", "u1"),
  message("u2", "a1"),
  message("a2", "u2"),
  message("a2b", "u2"),
  message("u2b", "a1"),
  message("a3", "u2b"),
];
const ids = (entries: ReturnType<typeof selectBranch>) => entries.map((entry) => entry.message.id);

describe("selectBranch", () => {
  it("follows the newest child at every fork by default", () => {
    const branch = selectBranch(thread, new Map());
    expect(ids(branch)).toEqual(["u1", "a1", "u2b", "a3"]);
    expect(branch[2]).toMatchObject({ versions: ["u2", "u2b"], versionIndex: 1 });
    expect(branch[0]).toMatchObject({ versions: ["u1"], versionIndex: 0 });
  });

  it("follows the reader's picks, and the newest child below them", () => {
    const branch = selectBranch(thread, new Map([["a1", "u2"]]));
    expect(ids(branch)).toEqual(["u1", "a1", "u2", "a2b"]);
    expect(branch[3]).toMatchObject({ versions: ["a2", "a2b"], versionIndex: 1 });
    expect(ids(selectBranch(thread, new Map([["a1", "u2"], ["u2", "a2"]])))).toEqual(["u1", "a1", "u2", "a2"]);
  });

  it("ignores a pick that no longer exists", () => {
    expect(ids(selectBranch(thread, new Map([["a1", "gone"]])))).toEqual(["u1", "a1", "u2b", "a3"]);
  });

  it("handles several roots (an edited first message) and an empty chat", () => {
    const edited = [...thread, message("u1b", null), message("a1b", "u1b")];
    const branch = selectBranch(edited, new Map());
    expect(ids(branch)).toEqual(["u1b", "a1b"]);
    expect(branch[0]).toMatchObject({ versions: ["u1", "u1b"], versionIndex: 1 });
    expect(selectBranch([], new Map())).toEqual([]);
  });

  it("starts from the oldest message it has when the thread was cut", () => {
    expect(ids(selectBranch([message("u9", "a8"), message("a9", "u9")], new Map()))).toEqual(["u9", "a9"]);
  });
});
