import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import type { ChatSession } from "../trpc.ts";
import { Sidebar } from "./sidebar.tsx";

const now = new Date(2025, 2, 2, 18, 0);
const session = (id: string, title: string, updatedAt: Date): ChatSession => ({
  id,
  title,
  model: "llama3.2",
  ephemeral: false,
  createdAt: updatedAt.toISOString(),
  updatedAt: updatedAt.toISOString(),
});
const sessions = [
  session("newer", "Trip to Lisbon", new Date(2025, 2, 2, 10)),
  session("older", "Sourdough", new Date(2025, 2, 1, 10)),
  session("oldest", "Tax return", new Date(2025, 0, 5, 10)),
];

function renderSidebar(overrides: Partial<Parameters<typeof Sidebar>[0]> = {}) {
  const props = {
    sessions,
    currentId: "older",
    onSelect: vi.fn(),
    onNewChat: vi.fn(),
    onRename: vi.fn(async () => true),
    onDelete: vi.fn(),
    loading: false,
    error: null,
    hasMore: false,
    loadingMore: false,
    onLoadMore: vi.fn(),
    search: { query: "", onQueryChange: vi.fn(), hits: null, searching: false, error: null },
    now,
    ...overrides,
  };
  render(<Sidebar {...props} />);
  return props;
}

const titles = (container: HTMLElement) => [...container.querySelectorAll(".session-title")].map((title) => title.textContent);

describe("Sidebar", () => {
  it("groups chats by date, newest first, marking the open one", () => {
    renderSidebar();
    const groups = screen.getAllByRole("heading", { level: 2 }).map((heading) => heading.textContent);
    expect(groups).toEqual(["Today", "Yesterday", "January 2025"]);
    expect(titles(screen.getByRole("region", { name: "Yesterday" }))).toEqual(["Sourdough"]);
    expect(screen.getByRole("button", { name: "Sourdough" }).getAttribute("aria-current")).toBe("page");
    expect(screen.getByRole("button", { name: "Trip to Lisbon" }).hasAttribute("aria-current")).toBe(false);
  });

  it("switches chats and starts new ones", () => {
    const props = renderSidebar();
    fireEvent.click(screen.getByRole("button", { name: "Trip to Lisbon" }));
    expect(props.onSelect).toHaveBeenCalledWith("newer");
    fireEvent.click(screen.getByRole("button", { name: "New chat" }));
    expect(props.onNewChat).toHaveBeenCalledTimes(1);
  });

  it("renames in place: Enter saves the trimmed title, Escape gives up", async () => {
    const props = renderSidebar();
    fireEvent.click(screen.getByRole("button", { name: "Rename Sourdough" }));
    const input = screen.getByRole("textbox", { name: "Chat title" });
    fireEvent.change(input, { target: { value: "  Rye bread  " } });
    fireEvent.keyDown(input, { key: "Enter" });
    await waitFor(() => expect(props.onRename).toHaveBeenCalledWith("older", "Rye bread"));

    fireEvent.click(screen.getByRole("button", { name: "Rename Tax return" }));
    fireEvent.change(screen.getByRole("textbox", { name: "Chat title" }), { target: { value: "Something else" } });
    fireEvent.keyDown(screen.getByRole("textbox", { name: "Chat title" }), { key: "Escape" });
    expect(screen.queryByRole("textbox", { name: "Chat title" })).toBeNull();
    expect(props.onRename).toHaveBeenCalledTimes(1);
    expect(screen.getByRole("button", { name: "Tax return" })).toBeTruthy();
  });

  it("fetches a chat from a mouse's pointer-down, not from a finger scrolling the list", () => {
    const onIntent = vi.fn();
    renderSidebar({ onIntent });
    fireEvent.pointerDown(screen.getByRole("button", { name: "Sourdough" }), { pointerType: "touch" });
    expect(onIntent).not.toHaveBeenCalled();
    fireEvent.pointerDown(screen.getByRole("button", { name: "Sourdough" }), { pointerType: "mouse" });
    expect(onIntent).toHaveBeenCalledWith("older");
  });

  it("asks the owner to delete a chat", () => {
    const props = renderSidebar();
    fireEvent.click(screen.getByRole("button", { name: "Delete Trip to Lisbon" }));
    expect(props.onDelete).toHaveBeenCalledWith(sessions[0]);
  });

  it("shows search results with their snippets instead of the groups", () => {
    const onQueryChange = vi.fn();
    renderSidebar({
      search: {
        query: "rye",
        onQueryChange,
        hits: [{ session: sessions[1]!, match: "content", snippet: "…a rye starter…", messageId: "m1" }],
        searching: false,
        error: null,
      },
    });
    const results = screen.getByRole("region", { name: "Search results" });
    expect(titles(results)).toEqual(["Sourdough"]);
    expect(within(results).getByText("…a rye starter…")).toBeTruthy();
    expect(screen.queryByRole("heading", { name: "Today" })).toBeNull();
    fireEvent.change(screen.getByRole("searchbox", { name: "Search chats" }), { target: { value: "rye b" } });
    expect(onQueryChange).toHaveBeenCalledWith("rye b");
  });

  it("says when nothing matches", () => {
    renderSidebar({ search: { query: "zebra", onQueryChange: vi.fn(), hits: [], searching: false, error: null } });
    expect(screen.getByText("No chat mentions “zebra”.")).toBeTruthy();
  });

  it("offers older chats only when there are more", () => {
    const props = renderSidebar({ hasMore: true });
    fireEvent.click(screen.getByRole("button", { name: "Older chats" }));
    expect(props.onLoadMore).toHaveBeenCalledTimes(1);
  });
});
