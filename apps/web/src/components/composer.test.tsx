import { act, fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { Composer } from "./composer.tsx";

function renderComposer(overrides: Partial<Parameters<typeof Composer>[0]> = {}) {
  const props = {
    onSend: vi.fn(async (_content: string) => true),
    onStop: vi.fn(),
    streaming: false,
    sending: false,
    stopping: false,
    error: null,
    maxLength: 20,
    ...overrides,
  };
  render(<Composer {...props} />);
  return { props, input: screen.getByLabelText<HTMLTextAreaElement>("Message") };
}

describe("Composer", () => {
  it("sends on Enter and clears the draft once the server accepted it", async () => {
    const { props, input } = renderComposer();
    fireEvent.change(input, { target: { value: "Hello" } });
    let notPrevented = true;
    await act(async () => {
      notPrevented = fireEvent.keyDown(input, { key: "Enter" });
    });
    expect(notPrevented).toBe(false);
    expect(props.onSend).toHaveBeenCalledWith("Hello");
    expect(input.value).toBe("");
  });

  it("leaves Shift+Enter to the textarea as a newline", () => {
    const { props, input } = renderComposer();
    fireEvent.change(input, { target: { value: "line one" } });
    expect(fireEvent.keyDown(input, { key: "Enter", shiftKey: true })).toBe(true);
    expect(props.onSend).not.toHaveBeenCalled();
    expect(input.value).toBe("line one");
  });

  it("does not send while an input method is composing", () => {
    const { props, input } = renderComposer();
    fireEvent.change(input, { target: { value: "にほん" } });
    fireEvent.keyDown(input, { key: "Enter", isComposing: true });
    expect(props.onSend).not.toHaveBeenCalled();
  });

  it("does not send blank text", () => {
    const { props, input } = renderComposer();
    fireEvent.change(input, { target: { value: "   \n " } });
    fireEvent.keyDown(input, { key: "Enter" });
    expect(props.onSend).not.toHaveBeenCalled();
    expect(screen.getByRole("button", { name: "Send" })).toHaveProperty("disabled", true);
  });

  it("puts the draft back when the send failed, and shows the error it is given", async () => {
    const { props, input } = renderComposer({ onSend: vi.fn(async () => false), error: "This chat does not exist any more." });
    fireEvent.change(input, { target: { value: "Keep me" } });
    await act(async () => {
      fireEvent.click(screen.getByRole("button", { name: "Send" }));
    });
    expect(props.onSend).toHaveBeenCalledWith("Keep me");
    expect(input.value).toBe("Keep me");
    expect(screen.getByRole("alert").textContent).toBe("This chat does not exist any more.");
  });

  it("refuses a message over the limit before asking the server", () => {
    const { props, input } = renderComposer({ maxLength: 10 });
    fireEvent.change(input, { target: { value: "x".repeat(11) } });
    fireEvent.keyDown(input, { key: "Enter" });
    expect(props.onSend).not.toHaveBeenCalled();
    expect(screen.getByRole("alert").textContent).toContain("Messages are at most 10 characters (this one has 11)");
    expect(input.getAttribute("aria-invalid")).toBe("true");
  });

  it("offers Stop instead of Send while a reply streams, and Enter does not send", () => {
    const { props, input } = renderComposer({ streaming: true });
    expect(screen.queryByRole("button", { name: "Send" })).toBeNull();
    fireEvent.change(input, { target: { value: "Next question" } });
    fireEvent.keyDown(input, { key: "Enter" });
    expect(props.onSend).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole("button", { name: "Stop" }));
    expect(props.onStop).toHaveBeenCalledTimes(1);
  });

  it("has no paperclip when the screen takes no files", () => {
    renderComposer();
    expect(screen.queryByRole("button", { name: "Attach files" })).toBeNull();
  });

  it("hands the files chosen with the paperclip over, several at once", () => {
    const onAttachFiles = vi.fn();
    renderComposer({ onAttachFiles });
    const picker = screen.getByTestId<HTMLInputElement>("attach-files-input");
    const click = vi.spyOn(picker, "click");
    fireEvent.click(screen.getByRole("button", { name: "Attach files" }));
    expect(click).toHaveBeenCalledTimes(1);
    expect(picker.multiple).toBe(true);
    expect(picker.accept).toContain(".pdf");
    const files = [new File(["a"], "a.pdf"), new File(["b"], "b.md")];
    fireEvent.change(picker, { target: { files } });
    expect(onAttachFiles).toHaveBeenCalledWith(files);
  });

  it("takes pasted files as documents, but leaves pasted text to the message box", () => {
    const onAttachFiles = vi.fn();
    const { input } = renderComposer({ onAttachFiles });
    const file = new File(["%PDF-1.7"], "paper.pdf", { type: "application/pdf" });
    const filesPasted = fireEvent.paste(input, { clipboardData: { files: [file], getData: () => "" } });
    expect(filesPasted).toBe(false);
    expect(onAttachFiles).toHaveBeenCalledWith([file]);
    const textPasted = fireEvent.paste(input, { clipboardData: { files: [], getData: () => "some words" } });
    expect(textPasted).toBe(true);
    expect(onAttachFiles).toHaveBeenCalledTimes(1);
  });
});
