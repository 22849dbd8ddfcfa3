import { describe, expect, it } from "vitest";
import { splitMarkdownBlocks } from "./split-blocks.ts";

const sources = (text: string) => splitMarkdownBlocks(text).map((block) => block.source);

describe("splitMarkdownBlocks", () => {
  it("splits top-level blocks at blank lines and drops the blank lines", () => {
    expect(sources("# Title\n\nFirst paragraph\nstill first.\n\n\n> quote\n\n---\n")).toEqual(["# Title", "First paragraph\nstill first.", "> quote", "---"]);
  });

  it("returns nothing for empty or blank text", () => {
    expect(splitMarkdownBlocks("")).toEqual([]);
    expect(splitMarkdownBlocks("\n \n\t\n")).toEqual([]);
  });

  it("keeps a fenced code block whole, blank lines included", () => {
    const fence = "```python\ndef f():\n\n    return 1\n\n\n```";
    expect(sources(`Intro\n\n${fence}\n\nAfter`)).toEqual(["Intro", fence, "After"]);
    expect(sources("~~~~\na\n\n~~~\nb\n\n~~~~\n\nc")).toEqual(["~~~~\na\n\n~~~\nb\n\n~~~~", "c"]);
  });

  it("needs a closing fence of the same character and at least the same length", () => {
    expect(sources("````\na\n\n```\n\nb\n\n````\n\nc")).toEqual(["````\na\n\n```\n\nb\n\n````", "c"]);
    expect(sources("```\na\n\n~~~\n\nb")).toEqual(["```\na\n\n~~~\n\nb"]);
    // Backticks in the info string make it inline code, not a fence.
    expect(sources("``` a ` b\n\nc")).toEqual(["``` a ` b", "c"]);
  });

  it("marks an unclosed fence as the open last block", () => {
    expect(splitMarkdownBlocks("Text\n\n```js\nlet a = 1;\n\nlet b")).toEqual([
      { source: "Text", unclosed: null },
      { source: "```js\nlet a = 1;\n\nlet b", unclosed: "code" },
    ]);
    expect(splitMarkdownBlocks("```js\nlet a\n```").at(-1)?.unclosed).toBeNull();
  });

  it("keeps an indented fence inside a list item with its item", () => {
    const list = "1. Install:\n\n    ```bash\n    npm install\n\n    npm test\n    ```\n\n2. Run it.";
    expect(sources(`${list}\n\nDone.`)).toEqual([list, "Done."]);
  });

  it("keeps loose lists and indented continuations together", () => {
    expect(sources("- a\n\n- b\n\n  more of b\n\nAfter")).toEqual(["- a\n\n- b\n\n  more of b", "After"]);
    expect(sources("Steps:\n1. one\n\n2. two")).toEqual(["Steps:\n1. one\n\n2. two"]);
    expect(sources("Para\n\n- list")).toEqual(["Para", "- list"]);
    expect(sources("    indented code\n\n    still code")).toEqual(["    indented code\n\n    still code"]);
  });

  it("does not split before an unfinished last line that may become a list item", () => {
    expect(sources("- a\n\n1")).toEqual(["- a\n\n1"]);
    expect(sources("- a\n\n1. b")).toEqual(["- a\n\n1. b"]);
    // Once the line is finished and is not a list item, the split happens.
    expect(sources("- a\n\n1\n")).toEqual(["- a", "1"]);
  });

  it("keeps raw HTML blocks that run past blank lines whole", () => {
    expect(sources("<script>\nalert(1)\n\nalert(2)\n</script>\n\nText")).toEqual(["<script>\nalert(1)\n\nalert(2)\n</script>", "Text"]);
    expect(sources("<!-- a\n\nb -->\n\nc")).toEqual(["<!-- a\n\nb -->", "c"]);
    expect(sources("<pre>x</pre>\n\nc")).toEqual(["<pre>x</pre>", "c"]);
    expect(splitMarkdownBlocks("<style>\n\nbody{}").at(-1)?.unclosed).toBe("html");
  });

  it("never changes a finished block as text is appended", () => {
    const reply = "# Plan\n\nSome *text* here.\n\n```ts\nconst a = 1;\n\nconst b = 2;\n```\n\n- one\n\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n[ref]: https://example.com\n\nEnd.";
    for (let length = 1; length <= reply.length; length += 1) {
      const now = sources(reply.slice(0, length));
      const later = sources(reply.slice(0, length + 1));
      // Every block but the last is finished and must survive the next character unchanged.
      expect(later.slice(0, now.length - 1)).toEqual(now.slice(0, -1));
    }
  });

  it("loses no non-blank text", () => {
    const reply = "a\n\n```\nb\n\n```\n\n- c\n\n  d\n\n<!--\n\n-->\ne";
    const nonBlank = (text: string) => text.split("\n").filter((line) => line.trim() !== "");
    expect(nonBlank(sources(reply).join("\n\n"))).toEqual(nonBlank(reply));
  });
});
