import { fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { OllamaBanner } from "./ollama-banner.tsx";

const url = "http://127.0.0.1:11434";

describe("OllamaBanner", () => {
  it("tells the person to start Ollama when it is unreachable", () => {
    const onCheckAgain = vi.fn();
    render(
      <OllamaBanner
        ollama={{ reachable: false, url, problem: `Cannot reach Ollama at ${url}. Start it with \`ollama serve\`.`, demo: false }}
        modelCount={0}
        defaultModel="llama3.2"
        checking={false}
        onCheckAgain={onCheckAgain}
      />,
    );
    const banner = screen.getByRole("alert");
    expect(banner.textContent).toContain("Ollama is not reachable");
    expect(banner.textContent).toContain(`Cannot reach Ollama at ${url}. Start it with ollama serve.`);
    expect(banner.querySelector("p code")?.textContent).toBe("ollama serve");
    expect(banner.textContent?.match(/ollama serve/g)).toHaveLength(1);
    fireEvent.click(screen.getByRole("button", { name: "Check again" }));
    expect(onCheckAgain).toHaveBeenCalledTimes(1);
  });

  it("adds what to run when the server's problem does not say it", () => {
    render(
      <OllamaBanner
        ollama={{ reachable: false, url, problem: `Ollama at ${url} answered 502.`, demo: false }}
        modelCount={0}
        defaultModel="llama3.2"
        checking={false}
        onCheckAgain={() => {}}
      />,
    );
    const banner = screen.getByRole("alert");
    expect(banner.textContent).toContain(`Ollama at ${url} answered 502.`);
    expect(banner.textContent).toContain(`Recall expects Ollama at ${url}. If it is not running, start it with ollama serve, then check again.`);
  });

  it("tells the person which model to pull when Ollama has none", () => {
    render(<OllamaBanner ollama={{ reachable: true, url, problem: null, demo: false }} modelCount={0} defaultModel="llama3.2" checking onCheckAgain={() => {}} />);
    const banner = screen.getByRole("alert");
    expect(banner.textContent).toContain("No models installed");
    expect(banner.textContent).toContain("Download one with ollama pull llama3.2");
    expect(screen.getByRole("button", { name: "Checking…" })).toHaveProperty("disabled", true);
  });

  it("stays out of the way when there are models to chat with", () => {
    const { container } = render(
      <OllamaBanner ollama={{ reachable: true, url, problem: null, demo: false }} modelCount={2} defaultModel="llama3.2" checking={false} onCheckAgain={() => {}} />,
    );
    expect(container.innerHTML).toBe("");
  });
});
