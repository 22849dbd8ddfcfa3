import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { downloadFile } from "./download-file.ts";
import { ExportChatMenu } from "./export-chat-menu.tsx";
import { createScriptedApi, serverError } from "../../testing/scripted-api.tsx";

vi.mock("./download-file.ts", () => ({ downloadFile: vi.fn() }));

beforeEach(() => {
  vi.mocked(downloadFile).mockClear();
});

function renderMenu(exportChat: (input: unknown) => unknown) {
  const api = createScriptedApi({ "export.chat": exportChat });
  render(<ExportChatMenu sessionId="chat-1" />, { wrapper: api.Providers });
  return api;
}

const exportButton = () => screen.getByRole("button", { name: "Export" });

describe("ExportChatMenu", () => {
  it("opens a menu of formats with the first focused; arrows move, Escape closes back to the button", () => {
    renderMenu(() => null);
    expect(exportButton().getAttribute("aria-expanded")).toBe("false");
    fireEvent.click(exportButton());
    const menu = screen.getByRole("menu", { name: "Export this chat as" });
    expect(exportButton().getAttribute("aria-expanded")).toBe("true");
    const [markdown, json] = screen.getAllByRole("menuitem");
    expect([markdown?.textContent, json?.textContent]).toEqual(["Markdown", "JSON"]);
    expect(document.activeElement).toBe(markdown);
    fireEvent.keyDown(menu, { key: "ArrowDown" });
    expect(document.activeElement).toBe(json);
    fireEvent.keyDown(menu, { key: "ArrowDown" });
    expect(document.activeElement).toBe(markdown);
    fireEvent.keyDown(menu, { key: "Escape" });
    expect(screen.queryByRole("menu")).toBeNull();
    expect(document.activeElement).toBe(exportButton());
  });

  it("closes when the user clicks elsewhere", () => {
    renderMenu(() => null);
    fireEvent.click(exportButton());
    fireEvent.pointerDown(document.body);
    expect(screen.queryByRole("menu")).toBeNull();
  });

  it("downloads the chat in the chosen format", async () => {
    const file = { filename: "recall-trip-to-lisbon-2025-03-01.md", mimeType: "text/markdown; charset=utf-8", content: "# Trip to Lisbon\n" };
    const api = renderMenu(() => file);
    fireEvent.click(exportButton());
    fireEvent.click(screen.getByRole("menuitem", { name: "Markdown" }));
    await waitFor(() => expect(downloadFile).toHaveBeenCalledWith(file));
    expect(api.callsTo("export.chat")).toEqual([{ sessionId: "chat-1", format: "markdown" }]);
    expect(screen.queryByRole("menu")).toBeNull();
  });

  it("says why an export failed", async () => {
    renderMenu(() => Promise.reject(serverError("NOT_FOUND", "That chat does not exist or is not yours.")));
    fireEvent.click(exportButton());
    fireEvent.click(screen.getByRole("menuitem", { name: "JSON" }));
    expect((await screen.findByRole("alert")).textContent).toBe("Export failed: That chat does not exist or is not yours.");
    expect(downloadFile).not.toHaveBeenCalled();
  });
});
