import { render } from "@testing-library/react";
import { beforeEach, describe, expect, it } from "vitest";
import { MarkdownView } from "./markdown-view.tsx";
import { findLiveContent } from "./live-content.ts";
import { xssPayloads } from "./xss-payloads.ts";

declare global {
  interface Window {
    __recallXss?: number;
  }
}

/** Whole, then every prefix as if streamed, then finished. */
function renderStreamed(text: string, step: number): string[] {
  const problems: string[] = [];
  const { container, rerender } = render(<MarkdownView text="" streaming />);
  for (let length = 1; length < text.length; length += step) {
    rerender(<MarkdownView text={text.slice(0, length)} streaming />);
    problems.push(...findLiveContent(container).map((problem) => `at ${length} chars: ${problem}`));
  }
  rerender(<MarkdownView text={text} streaming={false} />);
  problems.push(...findLiveContent(container).map((problem) => `finished: ${problem}`));
  return problems;
}

beforeEach(() => {
  delete window.__recallXss;
});

describe("the XSS corpus", () => {
  it("has at least 60 distinct payloads", () => {
    expect(new Set(xssPayloads).size).toBe(xssPayloads.length);
    expect(xssPayloads.length).toBeGreaterThanOrEqual(60);
  });

  it("catches live content when it is there (the check itself works)", () => {
    const root = document.createElement("div");
    root.innerHTML = `<img src="https://evil.example/x"><a href="javascript:alert(1)">x</a><p onclick="x">y</p><svg></svg>`;
    expect(findLiveContent(root)).toEqual(
      expect.arrayContaining(['<img> element', 'src on <img>', 'href "javascript:alert(1)" on <a>', "onclick on <p>", "<svg> element"]),
    );
  });

  it.each(xssPayloads.map((payload, index) => [index, payload] as const))("payload %i renders inert at every prefix: %j", (_index, payload) => {
    expect(renderStreamed(payload, 1)).toEqual([]);
    expect(window.__recallXss).toBeUndefined();
  });

  // Payloads interact when joined (an unclosed fence or HTML block swallows the next ones).
  it("renders the whole corpus streamed as one reply inertly", { timeout: 30_000 }, () => {
    expect(renderStreamed(xssPayloads.join("\n\n"), 23)).toEqual([]);
    expect(window.__recallXss).toBeUndefined();
  });

  it("shows raw HTML as text rather than dropping it", () => {
    const { container } = render(<MarkdownView text={`Before <script>${"window.__recallXss=1"}</script> after`} streaming={false} />);
    expect(container.textContent).toContain("<script>window.__recallXss=1</script>");
  });
});
