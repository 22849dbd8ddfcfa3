import { render } from "@testing-library/react";
import type * as ReactMarkdown from "react-markdown";
import type { Options } from "react-markdown";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { MarkdownView } from "./markdown-view.tsx";

/** Every Markdown source react-markdown is asked to parse, in order. */
const parsedSources = vi.hoisted((): string[] => []);

vi.mock("react-markdown", async (importOriginal) => {
  const actual = await importOriginal<typeof ReactMarkdown>();
  return {
    ...actual,
    default: (props: Options) => {
      parsedSources.push(props.children ?? "");
      return actual.default(props);
    },
  };
});

beforeEach(() => {
  parsedSources.length = 0;
});

describe("MarkdownView while streaming", () => {
  it("re-parses only the last block when a token arrives", () => {
    const start = "# Title\n\nFirst paragraph.\n\n```js\nconst a = 1;\n```\n\nSecond";
    const { container, rerender } = render(<MarkdownView text={start} streaming />);
    expect(parsedSources).toEqual(["# Title", "First paragraph.", "```js\nconst a = 1;\n```", "Second"]);
    const heading = container.querySelector("h1");
    const code = container.querySelector(".markdown-code");

    parsedSources.length = 0;
    rerender(<MarkdownView text={`${start} paragraph`} streaming />);
    rerender(<MarkdownView text={`${start} paragraph grows.`} streaming />);
    expect(parsedSources).toEqual(["Second paragraph", "Second paragraph grows."]);

    parsedSources.length = 0;
    rerender(<MarkdownView text={`${start} paragraph grows.\n\n- a new`} streaming />);
    // The block that was last keeps its text, so it is not parsed again either.
    expect(parsedSources).toEqual(["- a new"]);
    // Finished blocks keep their DOM nodes.
    expect(container.querySelector("h1")).toBe(heading);
    expect(container.querySelector(".markdown-code")).toBe(code);
  });

  it("does not re-render anything when the reply finishes without new text", () => {
    const text = "One.\n\nTwo.";
    const { rerender } = render(<MarkdownView text={text} streaming />);
    parsedSources.length = 0;
    rerender(<MarkdownView text={text} streaming={false} />);
    expect(parsedSources).toEqual([]);
  });

  it("does not re-render when the caller passes an equal image allowlist in a new array", () => {
    const { rerender } = render(<MarkdownView text="![x](https://images.example/x.png)" streaming={false} imageOrigins={["https://images.example"]} />);
    parsedSources.length = 0;
    rerender(<MarkdownView text="![x](https://images.example/x.png)" streaming={false} imageOrigins={["https://images.example"]} />);
    expect(parsedSources).toEqual([]);
  });

  it("re-renders earlier blocks that use references once a definition is finished, and only those", () => {
    const start = "Plain block.\n\nUses [a link][ref].\n\n[ref]: https://example.com";
    const { container, rerender } = render(<MarkdownView text={start} streaming />);
    expect(container.querySelector("a")).toBeNull();
    parsedSources.length = 0;
    rerender(<MarkdownView text={`${start}\n\nNext`} streaming />);
    const definition = "[ref]: https://example.com";
    expect(parsedSources).toEqual([`Uses [a link][ref].\n\n${definition}`, `${definition}\n\n${definition}`, "Next"]);
    expect(container.querySelector("a")?.getAttribute("href")).toBe("https://example.com/");
  });
});
