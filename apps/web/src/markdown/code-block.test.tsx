import { act, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CodeBlock } from "./code-block.tsx";

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("CodeBlock", () => {
  it("shows plain code at once and the highlighted code once the highlighter chunk has loaded", async () => {
    const code = "const answer = 42; // why";
    const { container } = render(<CodeBlock code={code} language="js" inProgress={false} />);
    // First render: the chunk is not loaded yet, so the text is there unstyled.
    expect(container.querySelector("code")?.textContent).toBe(code);
    expect(container.querySelector(".hljs-keyword")).toBeNull();

    await waitFor(() => expect(container.querySelector(".hljs-keyword")?.textContent).toBe("const"));
    expect(container.querySelector(".hljs-comment")?.textContent).toBe("// why");
    expect(container.querySelector("code")?.textContent).toBe(code);

    // Later blocks use the loaded chunk on their first render: no plain-then-colour flash.
    const later = render(<CodeBlock code="let x = 1" language="typescript" inProgress={false} />);
    expect(later.container.querySelector(".hljs-keyword")?.textContent).toBe("let");
  });

  it("leaves unknown and missing languages plain and labels them", () => {
    const unknown = render(<CodeBlock code="<b>x</b>" language="no-such-language" inProgress={false} />);
    expect(unknown.container.querySelector(".markdown-code-language")?.textContent).toBe("no-such-language");
    expect(unknown.container.querySelector("code")?.innerHTML).toBe("&lt;b&gt;x&lt;/b&gt;");
    const none = render(<CodeBlock code="plain" language="" inProgress={false} />);
    expect(none.container.querySelector(".markdown-code-language")?.textContent).toBe("text");
  });

  it("copies the code and says Copied for two seconds", async () => {
    const writeText = vi.fn(() => Promise.resolve());
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    vi.useFakeTimers();
    render(<CodeBlock code={"echo hi\n"} language="bash" inProgress={false} />);
    const button = screen.getByRole("button", { name: "Copy code" });
    await act(async () => {
      fireEvent.click(button);
    });
    expect(writeText).toHaveBeenCalledWith("echo hi\n");
    expect(button.textContent).toBe("Copied");
    act(() => {
      vi.advanceTimersByTime(1999);
    });
    expect(button.textContent).toBe("Copied");
    act(() => {
      vi.advanceTimersByTime(1);
    });
    expect(button.textContent).toBe("Copy");
  });
});
