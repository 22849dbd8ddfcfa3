import { describe, expect, it } from "vitest";
import { blocksFromHtml, decodeEntities } from "./html-blocks.ts";

describe("blocksFromHtml", () => {
  it("maps headings, paragraphs, list items (nested ones too) and tables, ignoring inline tags and images", () => {
    const html =
      '<h1>Top &amp; more</h1><p>Some <strong>bold</strong> <a href="x">link</a><img src="" /> text</p>' +
      "<ul><li>one<ul><li>nested</li></ul></li><li><p>two</p></li></ul>" +
      "<table><tr><th><p>Name</p></th><th>Value</th></tr><tr><td><p>a</p><p>b</p></td><td>1&#160;000</td></tr></table>" +
      "<h3>Last</h3><p>line<br />break</p>";
    expect(blocksFromHtml(html)).toEqual([
      { kind: "heading", text: "Top & more", level: 1 },
      { kind: "paragraph", text: "Some bold link text" },
      { kind: "list", text: "one" },
      { kind: "list", text: "nested" },
      { kind: "list", text: "two" },
      { kind: "table", text: "Name | Value\na b | 1 000" },
      { kind: "heading", text: "Last", level: 3 },
      { kind: "paragraph", text: "line\nbreak" },
    ]);
  });

  it("puts a table nested in a cell into that cell's text", () => {
    expect(blocksFromHtml("<table><tr><td>outer<table><tr><td>inner</td></tr></table></td><td>x</td></tr></table>")).toEqual([{ kind: "table", text: "outer inner | x" }]);
  });
});

describe("decodeEntities", () => {
  it("decodes named, decimal and hex entities and leaves unknown ones", () => {
    expect(decodeEntities("&lt;a&gt; &quot;b&quot; &#39;c&#x27; &unknown; &#0;")).toBe("<a> \"b\" 'c' &unknown; &#0;");
  });
});
