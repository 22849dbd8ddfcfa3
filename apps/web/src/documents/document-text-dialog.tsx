import { useQuery } from "@tanstack/react-query";
import { useId } from "react";
import { describeError } from "../error-message.ts";
import { useTRPC } from "../trpc.ts";
import { describeDocument } from "./format.ts";
import { Modal } from "./modal.tsx";

/** A document's extracted text, page by page, as the index saw it (`document.text`). */
export function DocumentTextDialog({ documentId, name, onClose }: { documentId: string; name: string; onClose: () => void }) {
  const trpc = useTRPC();
  const text = useQuery(trpc.document.text.queryOptions({ documentId }));
  const pagesLabelId = useId();
  const pages = text.data?.pages ?? [];
  return (
    <Modal
      title={text.data?.document.name ?? name}
      subtitle={text.data ? `Extracted text · ${describeDocument(text.data.document)}` : "Extracted text"}
      onClose={onClose}
      className="document-text-dialog"
      testId="document-text-dialog"
    >
      {text.isPending ? (
        <p className="modal-note" role="status">
          Loading the text…
        </p>
      ) : text.isError ? (
        <p className="modal-error" role="alert">
          {describeError(text.error)}
        </p>
      ) : pages.length === 0 ? (
        <p className="modal-note">No text was extracted from this document.</p>
      ) : (
        // Focusable so the keyboard scrolls it; labelled so a screen reader says what it is.
        <div className="document-pages" tabIndex={0} data-autofocus role="region" aria-labelledby={pagesLabelId}>
          <span id={pagesLabelId} className="visually-hidden">
            Pages of {text.data.document.name}
          </span>
          {text.data.document.summary ? (
            // The one-time summary the server wrote in the background: what the document is about at a glance.
            <section className="document-summary" aria-label="Summary">
              <h3>Summary</h3>
              <p>{text.data.document.summary}</p>
            </section>
          ) : null}
          {pages.map((page) => (
            <section key={page.number} className="document-page" aria-label={`Page ${page.number}`}>
              <h3>Page {page.number}</h3>
              <p>{page.text}</p>
            </section>
          ))}
        </div>
      )}
    </Modal>
  );
}
