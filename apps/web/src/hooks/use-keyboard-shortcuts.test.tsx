import { fireEvent, renderHook } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { useKeyboardShortcuts } from "./use-keyboard-shortcuts.ts";

function setup(streaming: boolean) {
  const handlers = { newChat: vi.fn(), focusInput: vi.fn(), focusSearch: vi.fn(), stop: streaming ? vi.fn() : null };
  renderHook(() => useKeyboardShortcuts(handlers));
  return handlers;
}

describe("useKeyboardShortcuts", () => {
  it("maps ChatGPT's keys, with ⌘ standing in for Ctrl", () => {
    const handlers = setup(true);
    fireEvent.keyDown(window, { key: "O", ctrlKey: true, shiftKey: true });
    fireEvent.keyDown(window, { key: "o", metaKey: true, shiftKey: true });
    expect(handlers.newChat).toHaveBeenCalledTimes(2);
    fireEvent.keyDown(window, { key: "k", ctrlKey: true });
    expect(handlers.focusSearch).toHaveBeenCalledTimes(1);
    fireEvent.keyDown(window, { key: "Escape", shiftKey: true });
    expect(handlers.focusInput).toHaveBeenCalledTimes(1);
    expect(handlers.stop).not.toHaveBeenCalled();
    fireEvent.keyDown(window, { key: "Escape" });
    expect(handlers.stop).toHaveBeenCalledTimes(1);
  });

  it("leaves Escape alone when nothing streams, when a dialog is open, or when something nearer used it", () => {
    const idle = setup(false);
    const event = new KeyboardEvent("keydown", { key: "Escape", cancelable: true });
    window.dispatchEvent(event);
    // Not taken: the key still reaches the page (closing a menu, leaving an edit).
    expect(event.defaultPrevented).toBe(false);
    expect([idle.newChat, idle.focusInput, idle.focusSearch].every((handler) => handler.mock.calls.length === 0)).toBe(true);

    const streaming = setup(true);
    const dialog = document.body.appendChild(document.createElement("div"));
    dialog.setAttribute("role", "dialog");
    fireEvent.keyDown(window, { key: "Escape" });
    dialog.remove();
    const editor = document.body.appendChild(document.createElement("textarea"));
    editor.addEventListener("keydown", (event) => event.preventDefault());
    fireEvent.keyDown(editor, { key: "Escape" });
    editor.remove();
    expect(streaming.stop).not.toHaveBeenCalled();
  });
});
