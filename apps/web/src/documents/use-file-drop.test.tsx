import { createEvent, fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { DropOverlay } from "./drop-overlay.tsx";
import { useFileDrop } from "./use-file-drop.ts";

function Target({ onFiles, enabled = true }: { onFiles: (files: File[]) => void; enabled?: boolean }) {
  const drop = useFileDrop(onFiles, enabled);
  return (
    <main data-testid="target" {...drop.handlers}>
      <p data-testid="child">Messages</p>
      {drop.dragging && <DropOverlay temporary={false} newChat={false} />}
    </main>
  );
}

/** What a browser's DataTransfer says while files are dragged (jsdom has none). */
function transfer(files: File[], types = ["Files"]) {
  return { dataTransfer: { types, files, dropEffect: "none" } };
}

describe("useFileDrop", () => {
  it("shows the overlay while files are over the area, across its children, and hands them over on drop", () => {
    const onFiles = vi.fn();
    render(<Target onFiles={onFiles} />);
    const files = [new File(["a"], "a.pdf"), new File(["b"], "b.md")];
    const target = screen.getByTestId("target");
    fireEvent.dragEnter(target, transfer(files));
    fireEvent.dragEnter(screen.getByTestId("child"), transfer(files));
    fireEvent.dragLeave(target, transfer(files));
    // Still over the child: the overlay stays.
    expect(screen.getByTestId("drop-overlay").textContent).toContain("Drop files to add them to this chat");
    const over = createEvent.dragOver(target, transfer(files));
    fireEvent(target, over);
    expect(over.defaultPrevented).toBe(true);
    const drop = createEvent.drop(target, transfer(files));
    fireEvent(target, drop);
    expect(drop.defaultPrevented).toBe(true);
    expect(onFiles).toHaveBeenCalledWith(files);
    expect(screen.queryByTestId("drop-overlay")).toBeNull();
  });

  it("hides the overlay when the files leave without a drop", () => {
    render(<Target onFiles={vi.fn()} />);
    const target = screen.getByTestId("target");
    fireEvent.dragEnter(target, transfer([new File(["a"], "a.pdf")]));
    fireEvent.dragLeave(target, transfer([new File(["a"], "a.pdf")]));
    expect(screen.queryByTestId("drop-overlay")).toBeNull();
  });

  it("ignores dragged text and links, and everything while disabled", () => {
    const onFiles = vi.fn();
    const { rerender } = render(<Target onFiles={onFiles} />);
    const target = screen.getByTestId("target");
    fireEvent.dragEnter(target, transfer([], ["text/plain"]));
    expect(screen.queryByTestId("drop-overlay")).toBeNull();
    rerender(<Target onFiles={onFiles} enabled={false} />);
    fireEvent.dragEnter(target, transfer([new File(["a"], "a.pdf")]));
    fireEvent.drop(target, transfer([new File(["a"], "a.pdf")]));
    expect(screen.queryByTestId("drop-overlay")).toBeNull();
    expect(onFiles).not.toHaveBeenCalled();
  });
});
