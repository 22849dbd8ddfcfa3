import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { createScriptedApi, serverError } from "../testing/scripted-api.tsx";
import type { ChatDocument } from "../trpc.ts";
import { LibraryPage } from "./library-page.tsx";
import { documentView } from "./testing/document-fixtures.ts";

let api: ReturnType<typeof createScriptedApi>;
let library: ChatDocument[];

beforeEach(() => {
  library = [
    documentView({ id: "doc-1", name: "report.pdf", pageCount: 12, sizeBytes: 1_288_490, kept: true, sessionIds: ["chat-1", "chat-2"] }),
    documentView({ id: "doc-2", name: "handbook.docx", kind: "docx", pageCount: 1, sizeBytes: 52_000, kept: true, sessionIds: [] }),
  ];
  api = createScriptedApi({
    "document.library": () => library,
    "document.list": () => [],
    "document.attach": (input) => {
      const { documentId, sessionId } = input as { documentId: string; sessionId: string };
      library = library.map((document) => (document.id === documentId ? { ...document, sessionIds: [...document.sessionIds, sessionId] } : document));
      return library.find((document) => document.id === documentId);
    },
    "document.delete": (input) => {
      const { documentId } = input as { documentId: string };
      library = library.filter((document) => document.id !== documentId);
      return { documentId };
    },
    "document.text": () => ({ document: library[0], pages: [{ number: 1, text: "Hello." }] }),
  });
});

const item = (name: string) => screen.getByRole("listitem", { name });

function renderLibrary(chatId: string | null = "chat-3") {
  const onClose = vi.fn();
  render(<LibraryPage chatId={chatId} onClose={onClose} />, { wrapper: api.Providers });
  return { onClose };
}

describe("LibraryPage", () => {
  it("lists every saved document with size, pages, state and how many chats it is in", async () => {
    renderLibrary();
    expect(document.activeElement).toBe(screen.getByRole("heading", { name: "Library" }));
    await screen.findByRole("list", { name: "Saved documents" });
    expect(item("report.pdf").textContent).toContain("12 pages · 1.2 MB · Ready · in 2 chats · kept");
    expect(item("handbook.docx").textContent).toContain("1 page · 51 KB · Ready · in no chat · kept");
  });

  it("attaches a document to the open chat, and then says it is in this chat", async () => {
    renderLibrary("chat-3");
    fireEvent.click(await screen.findByRole("button", { name: "Attach handbook.docx to this chat" }));
    expect(await screen.findByText("Attached “handbook.docx” to the open chat.")).toBeTruthy();
    expect(api.callsTo("document.attach")).toEqual([{ documentId: "doc-2", sessionId: "chat-3" }]);
    await waitFor(() => expect(within(item("handbook.docx")).getByText("In this chat")).toBeTruthy());
    expect(within(item("handbook.docx")).queryByRole("button", { name: /^Attach/ })).toBeNull();
  });

  it("offers no attaching without an open chat, and says so", async () => {
    renderLibrary(null);
    await screen.findByRole("list", { name: "Saved documents" });
    expect(screen.queryByRole("button", { name: /^Attach/ })).toBeNull();
    expect(screen.getByText("Open a chat to attach documents to it.")).toBeTruthy();
  });

  it("deletes a document only after confirmation, and Cancel keeps it", async () => {
    renderLibrary();
    fireEvent.click(await screen.findByRole("button", { name: "Delete report.pdf" }));
    const confirm = screen.getByRole("alertdialog", { name: "Delete “report.pdf”?" });
    expect(confirm.textContent).toContain("It is removed from the 2 chats it is in");
    // The safe choice has the focus.
    expect(document.activeElement).toBe(within(confirm).getByRole("button", { name: "Cancel" }));
    fireEvent.click(within(confirm).getByRole("button", { name: "Cancel" }));
    expect(api.callsTo("document.delete")).toEqual([]);
    expect(screen.queryByRole("alertdialog")).toBeNull();

    fireEvent.click(screen.getByRole("button", { name: "Delete report.pdf" }));
    fireEvent.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Delete" }));
    expect(await screen.findByText("Deleted “report.pdf”.")).toBeTruthy();
    expect(api.callsTo("document.delete")).toEqual([{ documentId: "doc-1" }]);
    await waitFor(() => expect(screen.queryByRole("listitem", { name: "report.pdf" })).toBeNull());
    expect(screen.queryByRole("alertdialog")).toBeNull();
  });

  it("keeps the confirmation open with the reason when deleting fails", async () => {
    api = createScriptedApi({
      "document.library": () => library,
      "document.delete": () => Promise.reject(serverError("NOT_FOUND", "That document does not exist or is not yours.")),
    });
    renderLibrary();
    fireEvent.click(await screen.findByRole("button", { name: "Delete handbook.docx" }));
    fireEvent.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Delete" }));
    expect((await within(screen.getByRole("alertdialog")).findByRole("alert")).textContent).toBe("That document does not exist or is not yours.");
  });

  it("opens a document's text, and goes back to the chat", async () => {
    const { onClose } = renderLibrary();
    fireEvent.click(await screen.findByRole("button", { name: "Open report.pdf" }));
    expect(await screen.findByRole("dialog", { name: "report.pdf" })).toBeTruthy();
    fireEvent.keyDown(screen.getByRole("dialog"), { key: "Escape" });
    fireEvent.click(screen.getByRole("button", { name: "Back to chat" }));
    expect(onClose).toHaveBeenCalled();
  });
});
