import { fireEvent, render, screen, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { Sidebar } from "./sidebar.tsx";

const sessions = [
  { id: "newer", title: "Trip to Lisbon", model: "llama3.2", ephemeral: false, createdAt: "2025-03-02T10:00:00.000Z", updatedAt: "2025-03-02T10:00:00.000Z" },
  { id: "older", title: "Sourdough", model: null, ephemeral: false, createdAt: "2025-03-01T10:00:00.000Z", updatedAt: "2025-03-01T10:00:00.000Z" },
];

function renderSidebar(overrides: Partial<Parameters<typeof Sidebar>[0]> = {}) {
  const props = {
    sessions,
    currentId: "older",
    onSelect: vi.fn(),
    onNewChat: vi.fn(),
    loading: false,
    error: null,
    hasMore: false,
    loadingMore: false,
    onLoadMore: vi.fn(),
    ...overrides,
  };
  render(<Sidebar {...props} />);
  return props;
}

describe("Sidebar", () => {
  it("lists chats in the order the server gave, marking the open one", () => {
    renderSidebar();
    const buttons = within(screen.getByRole("list")).getAllByRole("button");
    expect(buttons.map((button) => button.querySelector(".session-title")?.textContent)).toEqual(["Trip to Lisbon", "Sourdough"]);
    expect(buttons[1]?.getAttribute("aria-current")).toBe("page");
    expect(buttons[0]?.hasAttribute("aria-current")).toBe(false);
  });

  it("switches chats and starts new ones", () => {
    const props = renderSidebar();
    fireEvent.click(screen.getByRole("button", { name: /Trip to Lisbon/ }));
    expect(props.onSelect).toHaveBeenCalledWith("newer");
    fireEvent.click(screen.getByRole("button", { name: "New chat" }));
    expect(props.onNewChat).toHaveBeenCalledTimes(1);
  });

  it("offers older chats only when there are more", () => {
    const props = renderSidebar({ hasMore: true });
    fireEvent.click(screen.getByRole("button", { name: "Older chats" }));
    expect(props.onLoadMore).toHaveBeenCalledTimes(1);
  });
});
