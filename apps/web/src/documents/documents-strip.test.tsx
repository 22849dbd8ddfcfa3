import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createScriptedApi, serverError } from "../testing/scripted-api.tsx";
import type { ChatDocument } from "../trpc.ts";
import { DocumentsStrip, processingPollMs } from "./documents-strip.tsx";
import { documentView } from "./testing/document-fixtures.ts";
import type { UploadRow } from "./use-document-uploads.ts";

let api: ReturnType<typeof createScriptedApi>;
let documents: ChatDocument[];

beforeEach(() => {
  documents = [];
  api = createScriptedApi({
    "document.list": () => documents,
    "document.detach": (input) => {
      const { documentId } = input as { documentId: string };
      const removed = documents.find((document) => document.id === documentId);
      documents = documents.filter((document) => document.id !== documentId);
      return { deleted: removed ? !removed.kept && removed.sessionIds.length === 1 : false };
    },
    "document.keep": (input) => {
      const { documentId, kept } = input as { documentId: string; kept: boolean };
      documents = documents.map((document) => (document.id === documentId ? { ...document, kept } : document));
      return documents.find((document) => document.id === documentId);
    },
    "document.text": () => ({ document: documents[0], pages: [{ number: 1, text: "First page." }, { number: 2, text: "Second page." }] }),
  });
});

afterEach(() => {
  vi.useRealTimers();
});

function renderStrip(uploads: UploadRow[] = [], temporary = false) {
  const props = { chatId: "chat-1", temporary, uploads, onCancelUpload: vi.fn(), onDismissUpload: vi.fn() };
  const view = render(<DocumentsStrip {...props} />, { wrapper: api.Providers });
  return { ...view, props };
}

const row = (name: string) => screen.getByRole("listitem", { name });

describe("DocumentsStrip", () => {
  it("shows nothing for a chat without documents or uploads", async () => {
    const { container } = renderStrip();
    await act(async () => {});
    expect(api.callsTo("document.list")).toEqual([{ sessionId: "chat-1" }]);
    expect(container.innerHTML).toBe("");
  });

  it("lists each document with pages, size and state: ready, processing with its stage and a progress bar, failed with the reason", async () => {
    documents = [
      documentView({ id: "doc-1", name: "report.pdf", pageCount: 12, sizeBytes: 1_288_490 }),
      documentView({ id: "doc-2", name: "notes.md", kind: "markdown", pageCount: null, sizeBytes: 14_200, state: "processing", stage: "parsing", progress: 0.3 }),
      documentView({
        id: "doc-3",
        name: "secret.pdf",
        pageCount: null,
        sizeBytes: 900,
        state: "failed",
        error: { code: "encrypted", message: "This PDF is password-protected. Remove the password, then upload it again." },
      }),
    ];
    renderStrip();
    await screen.findByRole("region", { name: "Documents in this chat" });
    expect(row("report.pdf").textContent).toContain("12 pages · 1.2 MB · Ready");
    expect(within(row("report.pdf")).queryByRole("progressbar")).toBeNull();

    expect(row("notes.md").textContent).toContain("14 KB · Reading 30%");
    const bar = within(row("notes.md")).getByRole("progressbar", { name: "Processing notes.md" });
    expect([bar.getAttribute("aria-valuenow"), bar.getAttribute("aria-valuetext")]).toEqual(["30", "Reading, 30%"]);
    expect(within(row("notes.md")).queryByRole("button", { name: "Open notes.md" })).toBeNull();

    expect(row("secret.pdf").textContent).toContain("Failed: Password-protected");
    expect(within(row("secret.pdf")).getByRole("alert").textContent).toBe("This PDF is password-protected. Remove the password, then upload it again.");
  });

  it("polls the list about every second while a document is processing, and stops once none is", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: false });
    documents = [documentView({ state: "processing", stage: "embedding", progress: 0.6 })];
    renderStrip();
    await act(async () => {
      await vi.advanceTimersByTimeAsync(0);
    });
    expect(row("report.pdf").textContent).toContain("Embedding 60%");
    documents = [documentView({ state: "processing", stage: "summarizing", progress: 0.9 })];
    await act(async () => {
      // The poll, then TanStack Query's notification (a zero timeout).
      await vi.advanceTimersByTimeAsync(processingPollMs + 10);
    });
    expect(row("report.pdf").textContent).toContain("Summarizing 90%");
    documents = [documentView({ state: "ready" })];
    await act(async () => {
      // The poll, then TanStack Query's notification (a zero timeout).
      await vi.advanceTimersByTimeAsync(processingPollMs + 10);
    });
    expect(row("report.pdf").textContent).toContain("Ready");
    const callsWhenReady = api.callsTo("document.list").length;
    expect(callsWhenReady).toBe(3);
    await act(async () => {
      await vi.advanceTimersByTimeAsync(processingPollMs * 10);
    });
    expect(api.callsTo("document.list")).toHaveLength(callsWhenReady);
  });

  it("shows uploads: a real progress bar on the way, the server's reason when refused, with cancel and dismiss", async () => {
    const uploads: UploadRow[] = [
      { id: "upload-1", sessionId: "chat-1", name: "big.pdf", sizeBytes: 2_000_000, state: "uploading", loaded: 500_000, total: 2_000_000, refusal: null },
      { id: "upload-2", sessionId: "chat-1", name: "photo.png", sizeBytes: 3000, state: "refused", loaded: 0, total: 3000, refusal: "Recall reads PDF, Word, text and Markdown files; this one is an image." },
      { id: "upload-3", sessionId: "chat-2", name: "elsewhere.pdf", sizeBytes: 10, state: "uploading", loaded: 0, total: 10, refusal: null },
    ];
    const { props } = renderStrip(uploads);
    await act(async () => {});
    const bar = within(row("big.pdf")).getByRole("progressbar", { name: "Uploading big.pdf" });
    expect([bar.getAttribute("aria-valuenow"), row("big.pdf").textContent]).toEqual(["25", expect.stringContaining("Uploading 25%")]);
    fireEvent.click(screen.getByRole("button", { name: "Cancel upload of big.pdf" }));
    expect(props.onCancelUpload).toHaveBeenCalledWith("upload-1");

    expect(within(row("photo.png")).getByRole("alert").textContent).toBe("Recall reads PDF, Word, text and Markdown files; this one is an image.");
    fireEvent.click(screen.getByRole("button", { name: "Dismiss photo.png" }));
    expect(props.onDismissUpload).toHaveBeenCalledWith("upload-2");
    // Another chat's upload is not this chat's business.
    expect(screen.queryByRole("listitem", { name: "elsewhere.pdf" })).toBeNull();
  });

  it("removes a document from the chat and says it was deleted because it was not kept", async () => {
    documents = [documentView({ id: "doc-1", name: "report.pdf", kept: false, sessionIds: ["chat-1"] })];
    renderStrip();
    fireEvent.click(await screen.findByRole("button", { name: "Remove report.pdf from this chat" }));
    expect(await screen.findByText("Removed “report.pdf” from this chat and deleted it: it was not kept in your library.")).toBeTruthy();
    expect(api.callsTo("document.detach")).toEqual([{ documentId: "doc-1", sessionId: "chat-1" }]);
    expect(screen.queryByRole("listitem", { name: "report.pdf" })).toBeNull();
  });

  it("says a removed document that is kept stays in the library", async () => {
    documents = [documentView({ id: "doc-1", name: "report.pdf", kept: true })];
    renderStrip();
    fireEvent.click(await screen.findByRole("button", { name: "Remove report.pdf from this chat" }));
    expect((await screen.findByRole("status")).textContent).toBe("Removed “report.pdf” from this chat. It stays in your library.");
  });

  it("shows why a removal failed", async () => {
    documents = [documentView({ id: "doc-1", name: "report.pdf" })];
    api = createScriptedApi({
      "document.list": () => documents,
      "document.detach": () => {
        throw serverError("NOT_FOUND", "That document does not exist or is not yours.");
      },
    });
    renderStrip();
    fireEvent.click(await screen.findByRole("button", { name: "Remove report.pdf from this chat" }));
    expect(await screen.findByText("Could not remove “report.pdf”: That document does not exist or is not yours.")).toBeTruthy();
  });

  it("toggles keeping a document in the library", async () => {
    documents = [documentView({ id: "doc-1", name: "report.pdf", kept: false })];
    renderStrip();
    const keep = await screen.findByRole("button", { name: "Keep report.pdf in library" });
    expect(keep.getAttribute("aria-pressed")).toBe("false");
    fireEvent.click(keep);
    await waitFor(() => expect(screen.getByRole("button", { name: "Keep report.pdf in library" }).getAttribute("aria-pressed")).toBe("true"));
    expect(api.callsTo("document.keep")).toEqual([{ documentId: "doc-1", kept: true }]);
  });

  it("opens a ready document's text", async () => {
    documents = [documentView({ id: "doc-1", name: "report.pdf" })];
    renderStrip();
    fireEvent.click(await screen.findByRole("button", { name: "Open report.pdf" }));
    const dialog = await screen.findByRole("dialog", { name: "report.pdf" });
    expect(await within(dialog).findByRole("heading", { name: "Page 2" })).toBeTruthy();
    expect(api.callsTo("document.text")).toEqual([{ documentId: "doc-1" }]);
  });

  it("says a temporary chat's documents go with it, and offers no keeping for them", async () => {
    documents = [documentView({ id: "doc-1", name: "scratch.txt", ephemeral: true })];
    renderStrip([], true);
    expect((await screen.findByTestId("temporary-documents-note")).textContent).toBe(
      "Temporary chat: its documents are kept in memory only and are gone with the chat.",
    );
    expect(screen.queryByRole("button", { name: "Keep scratch.txt in library" })).toBeNull();
  });
});
