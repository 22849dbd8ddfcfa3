import { render } from "@testing-library/react";
import { beforeEach, describe, expect, it } from "vitest";
import { MarkdownView } from "./markdown-view.tsx";
import { xssPayloads } from "./xss-payloads.ts";

declare global {
  interface Window {
    __recallXss?: number;
  }
}

/** Every element Markdown may produce; anything else came from the payload. */
const allowedTags = new Set([
  ...["div", "span", "p", "br", "hr", "a", "em", "strong", "del", "code", "pre", "blockquote", "sup", "section"],
  ...["h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "input", "button"],
  ...["table", "thead", "tbody", "tr", "th", "td"],
]);
const urlAttributes = ["src", "srcset", "srcdoc", "action", "formaction", "data", "background", "poster", "xlink:href", "ping"];

/** Returns the problems found, so a failure names the payload and what got through. */
function findLiveContent(root: HTMLElement): string[] {
  const problems: string[] = [];
  for (const element of root.querySelectorAll("*")) {
    const tag = element.tagName.toLowerCase();
    if (!allowedTags.has(tag)) problems.push(`<${tag}> element`);
    if (tag === "input" && !(element.getAttribute("type") === "checkbox" && element.hasAttribute("disabled"))) problems.push("a live <input>");
    if (tag === "button" && !element.closest(".markdown-code-header")) problems.push("a <button> outside a code header");
    for (const attribute of element.attributes) {
      if (attribute.name.toLowerCase().startsWith("on")) problems.push(`${attribute.name} on <${tag}>`);
      if (urlAttributes.includes(attribute.name.toLowerCase())) problems.push(`${attribute.name} on <${tag}>`);
      if (attribute.name === "style" && !/^text-align: ?(left|right|center);?$/.test(attribute.value)) problems.push(`style "${attribute.value}"`);
    }
    const href = element.getAttribute("href");
    if (href !== null && (tag !== "a" || !/^(https?:\/\/|mailto:)/.test(href) || !["http:", "https:", "mailto:"].includes(new URL(href).protocol))) {
      problems.push(`href "${href}" on <${tag}>`);
    }
  }
  return problems;
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
