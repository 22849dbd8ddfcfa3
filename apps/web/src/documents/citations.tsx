import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { describeError } from "../error-message.ts";
import type { CitationRenderer } from "../markdown/markdown-view.tsx";
import { useTRPC } from "../trpc.ts";
import type { Citation, DocumentSources } from "../trpc.ts";
import { formatPages } from "./format.ts";
import { Modal } from "./modal.tsx";
import "./documents.css";

/** "report.pdf, p. 3, Methods": where a passage is, in one line. */
export function describeCitation(citation: Pick<Citation, "documentName" | "pageStart" | "pageEnd" | "section">): string {
  return [citation.documentName, formatPages(citation.pageStart, citation.pageEnd), citation.section].filter(Boolean).join(", ");
}

/** A `[n]` marker in a reply, as a small button that opens its passage. */
export function CitationChip({ citation, onOpen }: { citation: Citation; onOpen: (citation: Citation) => void }) {
  return (
    <button
      type="button"
      className="citation-chip"
      data-testid="citation-chip"
      data-citation={citation.n}
      aria-label={`Source ${citation.n}: ${describeCitation(citation)}`}
      title={describeCitation(citation)}
      onClick={() => onOpen(citation)}
    >
      {citation.n}
    </button>
  );
}

/** The renderer MarkdownView draws chips with: only numbers the reply's sources have; undefined when it has none. */
export function useCitationRenderer(sources: DocumentSources | null, onOpen: (citation: Citation) => void): CitationRenderer | undefined {
  return useMemo(() => {
    if (!sources || sources.citations.length === 0) return undefined;
    const byNumber = new Map(sources.citations.map((citation) => [citation.n, citation]));
    return (n: number) => {
      const citation = byNumber.get(n);
      return citation ? <CitationChip citation={citation} onOpen={onOpen} /> : null;
    };
  }, [sources, onOpen]);
}

function SourceItem({ citation, onOpen }: { citation: Citation; onOpen: (citation: Citation) => void }) {
  return (
    <li className="source-item" data-testid="source-item" data-cited={citation.cited}>
      {/* Named by what it shows (in the region named "Sources"): a label of its own would differ from the visible text. */}
      <button type="button" className="source-button" title={describeCitation(citation)} onClick={() => onOpen(citation)}>
        <span className="source-number">{citation.n}</span>
        <span className="source-name">{citation.documentName}</span>
        <span className="source-where">{[formatPages(citation.pageStart, citation.pageEnd), citation.section].filter(Boolean).join(" · ")}</span>
      </button>
    </li>
  );
}

/**
 * Under a reply: the passages it cited, the ones it was given but did not cite (folded away),
 * or the note that the chat's documents had nothing relevant to the question.
 */
export function MessageSources({ sources, onOpen }: { sources: DocumentSources; onOpen: (citation: Citation) => void }) {
  const cited = sources.citations.filter((citation) => citation.cited);
  const uncited = sources.citations.filter((citation) => !citation.cited);
  if (cited.length === 0 && uncited.length === 0 && !sources.nothingRelevant) return null;
  return (
    <section className="message-sources" aria-label="Sources">
      {sources.nothingRelevant && (
        <p className="message-note" data-testid="nothing-relevant">
          Nothing relevant was found in this chat&apos;s documents.
        </p>
      )}
      {cited.length > 0 && (
        <>
          {/* The region is named "Sources" already: this is its visible label, not another heading. */}
          <p className="sources-heading" aria-hidden="true">
            Sources
          </p>
          <ol className="sources-list">
            {cited.map((citation) => (
              <SourceItem key={citation.n} citation={citation} onOpen={onOpen} />
            ))}
          </ol>
        </>
      )}
      {uncited.length > 0 && (
        <details className="sources-uncited">
          <summary>
            {cited.length > 0 ? "Also given to the model, not cited" : "Passages given to the model, none cited"} ({uncited.length})
          </summary>
          <ol className="sources-list">
            {uncited.map((citation) => (
              <SourceItem key={citation.n} citation={citation} onOpen={onOpen} />
            ))}
          </ol>
        </details>
      )}
    </section>
  );
}

/** The passage a citation points at (`document.passage`): document, pages, section and text. */
export function PassageDialog({ citation, onClose }: { citation: Citation; onClose: () => void }) {
  const trpc = useTRPC();
  const passage = useQuery(trpc.document.passage.queryOptions({ chunkId: citation.chunkId }, { staleTime: Number.POSITIVE_INFINITY }));
  const where = passage.data ?? citation;
  return (
    <Modal
      title={where.documentName}
      subtitle={`Source ${citation.n} · ${[formatPages(where.pageStart, where.pageEnd), where.section].filter(Boolean).join(" · ")}`}
      onClose={onClose}
      className="passage-dialog"
      testId="passage-dialog"
    >
      {passage.isPending ? (
        <p className="modal-note" role="status">
          Loading the passage…
        </p>
      ) : passage.isError ? (
        <p className="modal-error" role="alert">
          {describeError(passage.error)}
        </p>
      ) : (
        <blockquote className="passage-text" tabIndex={0} data-autofocus aria-label="Passage">
          {passage.data.text}
        </blockquote>
      )}
    </Modal>
  );
}
