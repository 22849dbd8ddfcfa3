import { fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { CitationChip } from "../documents/citations.tsx";
import { citation } from "../documents/testing/document-fixtures.ts";
import type { Citation } from "../trpc.ts";
import { findLiveContent } from "./live-content.ts";
import { MarkdownView } from "./markdown-view.tsx";
import type { CitationRenderer } from "./markdown-view.tsx";
import { xssPayloads } from "./xss-payloads.ts";

const sources = [citation({ n: 1, chunkId: "chunk-1" }), citation({ n: 2, chunkId: "chunk-2", pageStart: 7, pageEnd: 8 }), citation({ n: 3, chunkId: "chunk-3" })];
const sourceNumbers = new Set(sources.map((source) => source.n));

function renderer(onOpen: (citation: Citation) => void = () => {}): CitationRenderer {
  return (n) => {
    const found = sources.find((source) => source.n === n);
    return found ? <CitationChip citation={found} onOpen={onOpen} /> : null;
  };
}

function renderReply(text: string, renderCitation: CitationRenderer | null = renderer()) {
  return render(<MarkdownView text={text} streaming={false} renderCitation={renderCitation ?? undefined} />).container;
}

const chipNumbers = (root: HTMLElement) => [...root.querySelectorAll(".citation-chip")].map((chip) => chip.textContent);

describe("citation markers", () => {
  it("turns [n] of the reply's sources into chips that open their passage, and keeps other numbers as text", () => {
    const onOpen = vi.fn();
    const container = renderReply("Revenue grew 12% [1]. Costs fell [4]. In [2024] too.", renderer(onOpen));
    expect(chipNumbers(container)).toEqual(["1"]);
    expect(container.textContent).toBe("Revenue grew 12% 1. Costs fell [4]. In [2024] too.");
    fireEvent.click(screen.getByRole("button", { name: "Source 1: report.pdf, p. 3" }));
    expect(onOpen).toHaveBeenCalledWith(sources[0]);
  });

  it("makes chips of a list like [1, 2] only when every number in it is a source", () => {
    const container = renderReply("Both say so [1, 2] and [2,3]. But [1, 9] is not.");
    expect(chipNumbers(container)).toEqual(["1", "2", "2", "3"]);
    expect(container.textContent).toContain("But [1, 9] is not.");
    expect(screen.getAllByRole("button", { name: "Source 2: report.pdf, pp. 7–8" })).toHaveLength(2);
  });

  it("leaves markers in inline code, fenced code and link text alone", () => {
    const container = renderReply("Use `arr[1]` here.\n\n```js\nconst x = y[1];\n```\n\n[see [1]](https://example.com) and after [2]");
    expect(chipNumbers(container)).toEqual(["2"]);
    expect(container.querySelector("p code")?.textContent).toBe("arr[1]");
    expect(container.querySelector(".markdown-code pre code")?.textContent).toBe("const x = y[1];");
    expect(screen.getByRole("link").textContent).toBe("see [1]");
  });

  it("keeps Markdown around chips: emphasis, lists, tables and headings", () => {
    const container = renderReply("# Title [1]\n\n- **bold [2]** item\n- plain [3]\n\n| a | b |\n| - | - |\n| cell [1] | x |");
    expect(container.querySelector("h1 .citation-chip")?.textContent).toBe("1");
    expect(container.querySelector("li strong .citation-chip")?.textContent).toBe("2");
    expect(container.querySelectorAll("li")).toHaveLength(2);
    expect(container.querySelector("td .citation-chip")?.textContent).toBe("1");
  });

  it("shows a marker as text while it is still being written, and as a chip once closed", () => {
    const { container, rerender } = render(<MarkdownView text="Growth [1" streaming renderCitation={renderer()} />);
    expect(chipNumbers(container)).toEqual([]);
    expect(container.textContent).toBe("Growth [1");
    rerender(<MarkdownView text="Growth [1] and" streaming renderCitation={renderer()} />);
    expect(chipNumbers(container)).toEqual(["1"]);
  });

  it("renders a reply without sources exactly as before: no chips, no extra elements", () => {
    const text = "Growth [1] and a footnote[^a].\n\n[^a]: The note.";
    const withoutSources = renderReply(text, null);
    expect(withoutSources.querySelector(".citation-chip, .citation-group")).toBeNull();
    expect(withoutSources.textContent).toContain("Growth [1] and");
    // A GFM footnote reference is still a <sup> when citations are on.
    const withSources = renderReply(text);
    expect(withSources.querySelector("sup")?.textContent).toBe("1");
    expect(withSources.querySelector("sup .citation-chip")).toBeNull();
    expect(chipNumbers(withSources)).toEqual(["1"]);
  });

  it("does not treat a reference link named like a citation as one", () => {
    const container = renderReply("See [1] here.\n\n[1]: https://example.com/one");
    expect(chipNumbers(container)).toEqual([]);
    expect(screen.getByRole("link", { name: "1" }).getAttribute("href")).toBe("https://example.com/one");
  });
});

describe("citation markers and the XSS corpus", () => {
  const citationPayloads = [
    "[1](javascript:alert(1))",
    "[1]: javascript:alert(1)\n\nsee [1]",
    "<button onclick=\"window.__recallXss=1\">[1]</button>",
    "<sup data-citations=\"1\" onclick=\"window.__recallXss=1\">[1]</sup>",
    '<span class="citation-chip" data-citation="1">1</span> [2]',
    "`[1]<img src=x onerror=window.__recallXss=1>`",
    "[[1]](https://evil.example) [1]",
    "![[1]](https://evil.example/x.png) [3]",
    "[1]<script>window.__recallXss=1</script>[2]",
  ];

  it.each([...xssPayloads, ...citationPayloads].map((payload, index) => [index, payload] as const))(
    "payload %i with citation markers renders inert, with chips only for real sources: %j",
    (_index, payload) => {
      const text = `${payload} [1] [2, 3] [9]`;
      const { container, rerender } = render(<MarkdownView text="" streaming renderCitation={renderer()} />);
      const problems: string[] = [];
      for (let length = 1; length < text.length; length += 7) {
        rerender(<MarkdownView text={text.slice(0, length)} streaming renderCitation={renderer()} />);
        problems.push(...findLiveContent(container, sourceNumbers).map((problem) => `at ${length} chars: ${problem}`));
      }
      rerender(<MarkdownView text={text} streaming={false} renderCitation={renderer()} />);
      problems.push(...findLiveContent(container, sourceNumbers));
      expect(problems).toEqual([]);
      expect((window as { __recallXss?: number }).__recallXss).toBeUndefined();
      for (const chip of container.querySelectorAll(".citation-chip")) expect(sourceNumbers.has(Number(chip.textContent))).toBe(true);
    },
  );

  it("catches a chip for a number that is not a source (the check itself works)", () => {
    const root = document.createElement("div");
    root.innerHTML = `<p><button type="button" class="citation-chip" data-citation="9" data-testid="citation-chip" aria-label="x" title="x">9</button></p><code><button type="button" class="citation-chip" data-citation="1" data-testid="citation-chip" aria-label="x" title="x">1</button></code>`;
    expect(findLiveContent(root, sourceNumbers)).toEqual(["a <button> outside a code header", "a <button> outside a code header"]);
  });
});
