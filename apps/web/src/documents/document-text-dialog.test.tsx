import { fireEvent, render, screen, within } from "@testing-library/react";
import { useState } from "react";
import { beforeEach, describe, expect, it } from "vitest";
import { createScriptedApi, serverError } from "../testing/scripted-api.tsx";
import { DocumentTextDialog } from "./document-text-dialog.tsx";
import { documentView } from "./testing/document-fixtures.ts";

let api: ReturnType<typeof createScriptedApi>;

beforeEach(() => {
  api = createScriptedApi({
    "document.text": () => ({
      document: documentView({ id: "doc-1", name: "report.pdf", pageCount: 3, sizeBytes: 2048 }),
      pages: [
        { number: 1, text: "Introduction.\n\nSecond paragraph." },
        { number: 2, text: "Methods." },
        { number: 3, text: "<script>window.__recallXss=1</script> Results." },
      ],
    }),
  });
});

/** A page with a button that opens the dialog, as the strip and the library do. */
function Opener() {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" onClick={() => setOpen(true)}>
        Open report.pdf
      </button>
      {open && <DocumentTextDialog documentId="doc-1" name="report.pdf" onClose={() => setOpen(false)} />}
    </>
  );
}

describe("DocumentTextDialog", () => {
  it("shows the text page by page under 'Page N' headings, as text", async () => {
    render(<Opener />, { wrapper: api.Providers });
    fireEvent.click(screen.getByRole("button", { name: "Open report.pdf" }));
    const dialog = screen.getByRole("dialog", { name: "report.pdf" });
    expect(dialog.getAttribute("aria-modal")).toBe("true");
    expect(await within(dialog).findByRole("heading", { name: "Page 1" })).toBeTruthy();
    expect(within(dialog).getAllByRole("heading", { level: 3 }).map((heading) => heading.textContent)).toEqual(["Page 1", "Page 2", "Page 3"]);
    expect(within(dialog).getByRole("region", { name: "Page 1" }).querySelector("p")?.textContent).toBe("Introduction.\n\nSecond paragraph.");
    expect(within(dialog).getByText("Extracted text · 3 pages · 2 KB")).toBeTruthy();
    // Document text is untrusted: shown, never parsed as HTML.
    expect(dialog.querySelector("script")).toBeNull();
    expect(within(dialog).getByRole("region", { name: "Page 3" }).textContent).toContain("<script>");
    expect(api.callsTo("document.text")).toEqual([{ documentId: "doc-1" }]);
  });

  it("shows the document's summary above its pages once the server has written one", async () => {
    api = createScriptedApi({
      "document.text": () => ({
        document: documentView({ id: "doc-1", name: "report.pdf", pageCount: 1, summary: "A field report on pump pressure at three sites." }),
        pages: [{ number: 1, text: "Introduction." }],
      }),
    });
    render(<Opener />, { wrapper: api.Providers });
    fireEvent.click(screen.getByRole("button", { name: "Open report.pdf" }));
    const dialog = screen.getByRole("dialog", { name: "report.pdf" });
    const summary = await within(dialog).findByRole("region", { name: "Summary" });
    expect(summary.querySelector("p")?.textContent).toBe("A field report on pump pressure at three sites.");
    expect(within(dialog).getAllByRole("heading", { level: 3 }).map((heading) => heading.textContent)).toEqual(["Summary", "Page 1"]);
  });

  it("closes with Escape and gives focus back to the button that opened it", async () => {
    render(<Opener />, { wrapper: api.Providers });
    const opener = screen.getByRole("button", { name: "Open report.pdf" });
    opener.focus();
    fireEvent.click(opener);
    const dialog = screen.getByRole("dialog", { name: "report.pdf" });
    expect(dialog.contains(document.activeElement)).toBe(true);
    fireEvent.keyDown(dialog, { key: "Escape" });
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(document.activeElement).toBe(opener);
  });

  it("keeps Tab inside: from the last stop back to the first, and Shift+Tab the other way", async () => {
    render(<Opener />, { wrapper: api.Providers });
    fireEvent.click(screen.getByRole("button", { name: "Open report.pdf" }));
    const dialog = screen.getByRole("dialog", { name: "report.pdf" });
    const pages = await within(dialog).findByRole("region", { name: "Pages of report.pdf" });
    const close = within(dialog).getByRole("button", { name: "Close" });
    close.focus();
    fireEvent.keyDown(close, { key: "Tab" });
    expect(document.activeElement).toBe(pages);
    fireEvent.keyDown(pages, { key: "Tab", shiftKey: true });
    expect(document.activeElement).toBe(close);
    fireEvent.click(close);
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("says why the text could not be shown", async () => {
    api = createScriptedApi({ "document.text": () => Promise.reject(serverError("NOT_FOUND", "That document does not exist or is not yours.")) });
    render(<Opener />, { wrapper: api.Providers });
    fireEvent.click(screen.getByRole("button", { name: "Open report.pdf" }));
    expect((await screen.findByRole("alert")).textContent).toBe("That document does not exist or is not yours.");
  });
});
