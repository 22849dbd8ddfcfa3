import { act, fireEvent, render, screen, within } from "@testing-library/react";
import { beforeEach, describe, expect, it } from "vitest";
import { createScriptedApi } from "../testing/scripted-api.tsx";
import type { ChatDocument } from "../trpc.ts";
import { DocumentsStrip } from "./documents-strip.tsx";
import { documentView } from "./testing/document-fixtures.ts";
import type { UploadOutcome, UploadRequest } from "./upload-request.ts";
import { useDocumentUploads } from "./use-document-uploads.ts";

/** One upload the test answers by hand, as the server would. */
interface PendingUpload {
  request: UploadRequest;
  finish: (outcome: UploadOutcome) => void;
}

let api: ReturnType<typeof createScriptedApi>;
let listed: ChatDocument[];
let pending: PendingUpload[];

function fakeUpload(request: UploadRequest): Promise<UploadOutcome> {
  return new Promise((resolve) => {
    pending.push({ request, finish: resolve });
    request.signal?.addEventListener("abort", () => resolve({ kind: "cancelled" }));
  });
}

function Harness({ chatId, maxBytes = null }: { chatId: string; maxBytes?: number | null }) {
  const uploads = useDocumentUploads(fakeUpload, maxBytes);
  return (
    <>
      <button type="button" onClick={() => uploads.start(chatId, [new File(["a".repeat(400)], "a.pdf"), new File(["b"], "b.png")])}>
        Upload two
      </button>
      <DocumentsStrip chatId={chatId} temporary={false} uploads={uploads.rows} onCancelUpload={uploads.cancel} onDismissUpload={uploads.dismiss} />
    </>
  );
}

beforeEach(() => {
  listed = [];
  pending = [];
  api = createScriptedApi({ "document.list": () => listed, "document.library": () => listed });
});

const row = (name: string) => screen.getByRole("listitem", { name });

describe("useDocumentUploads with the strip", () => {
  it("uploads several files at once, each with its own progress, then shows the accepted one processing and the refused one's reason", async () => {
    render(<Harness chatId="chat-1" />, { wrapper: api.Providers });
    await act(async () => {
      fireEvent.click(screen.getByRole("button", { name: "Upload two" }));
    });
    expect(pending.map((upload) => [upload.request.file.name, upload.request.sessionId])).toEqual([
      ["a.pdf", "chat-1"],
      ["b.png", "chat-1"],
    ]);
    act(() => pending[0]?.request.onProgress?.(100, 400));
    expect(within(row("a.pdf")).getByRole("progressbar", { name: "Uploading a.pdf" }).getAttribute("aria-valuenow")).toBe("25");
    expect(within(row("b.png")).getByRole("progressbar").getAttribute("aria-valuenow")).toBe("0");

    const accepted = documentView({ id: "doc-a", name: "a.pdf", state: "processing", stage: "queued", progress: 0 });
    listed = [accepted];
    await act(async () => {
      pending[0]?.finish({ kind: "uploaded", document: accepted });
      pending[1]?.finish({
        kind: "refused",
        refusal: { message: "Recall reads PDF, Word (.docx), text and Markdown files; this one is a PNG image.", code: "BAD_REQUEST", retryAfterSeconds: null, httpStatus: 400 },
      });
    });
    // The accepted file is now the chat's document, processing; no upload row is left for it.
    expect(screen.getByTestId("document-row").getAttribute("aria-label")).toBe("a.pdf");
    expect(row("a.pdf").textContent).toContain("Queued 0%");
    expect(screen.getAllByTestId("upload-row").map((upload) => upload.getAttribute("aria-label"))).toEqual(["b.png"]);
    expect(within(row("b.png")).getByRole("alert").textContent).toBe("Recall reads PDF, Word (.docx), text and Markdown files; this one is a PNG image.");

    fireEvent.click(screen.getByRole("button", { name: "Dismiss b.png" }));
    expect(screen.queryByTestId("upload-row")).toBeNull();
  });

  it("refuses a file over the server's size limit in the browser, without sending it", async () => {
    render(<Harness chatId="chat-1" maxBytes={100} />, { wrapper: api.Providers });
    await act(async () => {
      fireEvent.click(screen.getByRole("button", { name: "Upload two" }));
    });
    expect(pending.map((upload) => upload.request.file.name)).toEqual(["b.png"]);
    expect(within(row("a.pdf")).getByRole("alert").textContent).toMatch(/^This file is 400 B; files are at most 100 B\.$/);
  });

  it("cancels an upload on its way and drops its row", async () => {
    render(<Harness chatId="chat-1" />, { wrapper: api.Providers });
    await act(async () => {
      fireEvent.click(screen.getByRole("button", { name: "Upload two" }));
    });
    await act(async () => {
      fireEvent.click(screen.getByRole("button", { name: "Cancel upload of a.pdf" }));
    });
    expect(pending[0]?.request.signal?.aborted).toBe(true);
    expect(screen.getAllByTestId("upload-row").map((upload) => upload.getAttribute("aria-label"))).toEqual(["b.png"]);
  });
});
