import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { MarkdownView } from "./markdown-view.tsx";

const renderReply = (text: string, imageOrigins?: readonly string[]) =>
  render(<MarkdownView text={text} streaming={false} imageOrigins={imageOrigins} />).container;

describe("MarkdownView: Markdown", () => {
  it("renders GFM tables inside a scrollable box", () => {
    const container = renderReply("| Name | Size |\n| :--- | ---: |\n| a | 1 |\n| b | 22 |");
    const table = screen.getByRole("table");
    expect(table.parentElement?.className).toBe("markdown-table");
    expect(within(table).getAllByRole("columnheader").map((cell) => cell.textContent)).toEqual(["Name", "Size"]);
    expect(within(table).getAllByRole("row")).toHaveLength(3);
    expect(container.querySelector("td:last-child")?.getAttribute("style")).toBe("text-align: right;");
  });

  it("renders lists, task lists, strikethrough and emphasis", () => {
    const container = renderReply("1. first\n2. **second**\n\n- [x] done\n- [ ] todo\n\n~~gone~~ and *kept*");
    expect(container.querySelector("ol")?.textContent).toBe("\nfirst\nsecond\n");
    const checkboxes = screen.getAllByRole("checkbox");
    expect(checkboxes.map((box) => (box as HTMLInputElement).checked)).toEqual([true, false]);
    expect(checkboxes.every((box) => (box as HTMLInputElement).disabled)).toBe(true);
    expect(container.querySelector("del")?.textContent).toBe("gone");
    expect(container.querySelector("em")?.textContent).toBe("kept");
  });

  it("renders a fenced code block with its language and a copy button, and inline code", () => {
    const container = renderReply("Run `npm test` first.\n\n```bash\nnpm test\n```");
    expect(container.querySelector("p code")?.textContent).toBe("npm test");
    expect(container.querySelector(".markdown-code-language")?.textContent).toBe("bash");
    expect(container.querySelector(".markdown-code pre code")?.textContent).toBe("npm test");
    expect(screen.getByRole("button", { name: "Copy code" }).textContent).toBe("Copy");
  });

  it("renders an unclosed fence mid-stream as a code block in progress, not as paragraphs", () => {
    const { container, rerender } = render(<MarkdownView text={"Intro\n\n```python\ndef f():\n\n    return 1"} streaming />);
    const block = container.querySelector(".markdown-code");
    expect(block?.querySelector("code")?.textContent).toBe("def f():\n\n    return 1");
    expect(block?.getAttribute("aria-busy")).toBe("true");
    expect(container.querySelectorAll("p")).toHaveLength(1);
    rerender(<MarkdownView text={"Intro\n\n```python\ndef f():\n\n    return 1\n```"} streaming={false} />);
    expect(container.querySelector(".markdown-code")?.hasAttribute("aria-busy")).toBe(false);
  });

  it("shows raw HTML as literal text", () => {
    const container = renderReply("A <b>bold</b> claim.\n\n<div>block</div>");
    expect(container.querySelector("b")).toBeNull();
    expect(container.textContent).toContain("A <b>bold</b> claim.");
    expect(container.textContent).toContain("<div>block</div>");
  });
});

describe("MarkdownView: links", () => {
  it("opens http(s) and mailto links in a new tab without referrer or opener", () => {
    renderReply("[docs](https://example.com/docs \"Docs\"), www.example.org and <mailto:me@example.com>");
    const links = screen.getAllByRole("link");
    expect(links.map((link) => link.getAttribute("href"))).toEqual(["https://example.com/docs", "http://www.example.org/", "mailto:me@example.com"]);
    for (const link of links) {
      expect(link.getAttribute("target")).toBe("_blank");
      expect(link.getAttribute("rel")).toBe("noopener noreferrer nofollow");
      expect(link.getAttribute("referrerpolicy")).toBe("no-referrer");
    }
    expect(links[0]?.getAttribute("title")).toBe("Docs");
  });

  it.each([
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "jav&#x09;ascript:alert(1)",
    "&#106;avascript:alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html,hi",
    "file:///etc/passwd",
    "/relative/path",
    "#anchor",
  ])("keeps the text of a link to %s but no href", (destination) => {
    const container = renderReply(`[click me](${destination})`);
    expect(container.querySelector("[href]")).toBeNull();
    expect(container.querySelector(".markdown-link-removed")?.textContent).toBe("click me");
  });
});

describe("MarkdownView: images", () => {
  it("renders no image without an allowlist, only its description", () => {
    const container = renderReply("![a cat](https://images.example/cat.png) and ![](https://evil.example/?q=secret)");
    expect(container.querySelector("img")).toBeNull();
    expect(container.textContent).toBe("[image: a cat] and [image]");
  });

  it("renders images from allowed origins only, with no referrer", () => {
    const container = renderReply("![cat](https://images.example/cat.png \"A cat\") ![leak](https://evil.example/?q=secret)", ["https://images.example"]);
    const images = container.querySelectorAll("img");
    expect(images).toHaveLength(1);
    expect(images[0]?.getAttribute("src")).toBe("https://images.example/cat.png");
    expect(images[0]?.getAttribute("alt")).toBe("cat");
    expect(images[0]?.getAttribute("referrerpolicy")).toBe("no-referrer");
    expect(images[0]?.hasAttribute("srcset")).toBe(false);
    expect(container.textContent).toContain("[image: leak]");
  });
});

describe("MarkdownView: reference-style links across blocks", () => {
  const reply = "See [the docs][docs] and [evil][bad].\n\nMore text.\n\n[docs]: https://example.com/docs\n[bad]: javascript:alert(1)";

  it("resolves a definition from another block once the reply is finished", () => {
    const container = renderReply(reply);
    expect(screen.getByRole("link", { name: "the docs" }).getAttribute("href")).toBe("https://example.com/docs");
    // A resolved but unsafe reference keeps its text and loses its href.
    expect(container.querySelector(".markdown-link-removed")?.textContent).toBe("evil");
    // Definitions render nothing themselves, and are not repeated as text.
    expect(container.textContent).toBe("See the docs and evil.More text.");
  });

  it("resolves a definition while streaming once its block is finished, not while it is being written", () => {
    const { rerender } = render(<MarkdownView text={"[a][ref]\n\n[ref]: https://exa"} streaming />);
    expect(screen.queryByRole("link")).toBeNull();
    rerender(<MarkdownView text={"[a][ref]\n\n[ref]: https://example.com\n\nNext"} streaming />);
    expect(screen.getByRole("link", { name: "a" }).getAttribute("href")).toBe("https://example.com/");
  });

  it("leaves a reference without a definition as text", () => {
    const container = renderReply("[text][missing]\n\nAfter.");
    expect(container.querySelector("a")).toBeNull();
    expect(container.textContent).toContain("[text][missing]");
  });
});
