import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { ModelPicker } from "./model-picker.tsx";

const models = [
  { name: "llama3.2:latest", family: "llama", parameterSize: "3.2B", quantization: "Q4_K_M", sizeBytes: 2_000_000_000, contextLength: 131_072, capabilities: ["completion"] },
  { name: "qwen2.5:7b", family: "qwen2", parameterSize: null, quantization: null, sizeBytes: null, contextLength: null, capabilities: ["completion"] },
];

function optionTexts() {
  return screen.getAllByRole("option").map((option) => option.textContent);
}

describe("ModelPicker", () => {
  it("lists installed models with their size, quantization and context length, and reports a pick", () => {
    const onChange = vi.fn();
    render(<ModelPicker models={models} value="llama3.2:latest" loading={false} reachable onChange={onChange} />);
    expect(optionTexts()).toEqual(["llama3.2:latest · 3.2B · Q4_K_M · 128K context", "qwen2.5:7b"]);
    fireEvent.change(screen.getByLabelText("Model"), { target: { value: "qwen2.5:7b" } });
    expect(onChange).toHaveBeenCalledWith("qwen2.5:7b");
  });

  it("keeps a chat's model that Ollama no longer has, marked as such", () => {
    render(<ModelPicker models={models} value="mistral:7b" loading={false} reachable onChange={() => {}} />);
    expect(optionTexts()[0]).toBe("mistral:7b (not installed)");
    expect(screen.getByLabelText<HTMLSelectElement>("Model").value).toBe("mistral:7b");
  });

  it("does not call a model missing while nobody knows what is installed", () => {
    render(<ModelPicker models={[]} value="llama3.2" loading reachable onChange={() => {}} />);
    expect(optionTexts()).toEqual(["llama3.2"]);
    cleanup();
    render(<ModelPicker models={[]} value="llama3.2" loading={false} reachable={false} onChange={() => {}} />);
    expect(optionTexts()).toEqual(["llama3.2"]);
  });
});
