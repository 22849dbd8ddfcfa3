import type { ExportFormat } from "@recall/schema";
import { useEffect, useId, useRef, useState } from "react";
import { describeError } from "../../error-message.ts";
import { DeleteDataDialog } from "./delete-data-dialog.tsx";
import { Episodes } from "./episodes.tsx";
import { ProfileFacts } from "./profile-facts.tsx";
import { formatLabels, useExportAll } from "./use-export.ts";
import "./your-data.css";

const formats: ExportFormat[] = ["markdown", "json"];

/** "Memory & data": what Recall remembers about the user, their exports, and erasing it all. */
export function MemoryAndDataPage({ onClose }: { onClose: () => void }) {
  const headingRef = useRef<HTMLHeadingElement>(null);
  const headingId = useId();
  const memoryId = useId();

  // A new page in the main area: move focus to its heading so it is announced.
  useEffect(() => headingRef.current?.focus(), []);

  return (
    <section className="your-data-page" aria-labelledby={headingId}>
      <header className="chat-header your-data-header">
        <h1 id={headingId} ref={headingRef} tabIndex={-1}>
          Memory &amp; data
        </h1>
        <button type="button" className="button-secondary" onClick={onClose}>
          Back to chat
        </button>
      </header>
      <div className="your-data-scroller">
        <section className="your-data-section" aria-labelledby={memoryId}>
          <h2 id={memoryId}>What Recall remembers about you</h2>
          <p className="your-data-note">
            New chats see these, so answers can build on what you told Recall before. Correct anything that is wrong and delete anything you
            would rather it forgot.
          </p>
          <ProfileFacts />
          <Episodes />
        </section>
        <YourData />
      </div>
    </section>
  );
}

function YourData() {
  const exportAll = useExportAll();
  const [confirming, setConfirming] = useState(false);
  const deleteButtonRef = useRef<HTMLButtonElement>(null);
  const headingId = useId();

  function closeDialog() {
    setConfirming(false);
    requestAnimationFrame(() => deleteButtonRef.current?.focus());
  }

  return (
    <section className="your-data-section" aria-labelledby={headingId}>
      <h2 id={headingId}>Your data</h2>
      <div className="your-data-block">
        <h3>Export all chats</h3>
        <p className="your-data-note">Markdown is for reading; JSON holds every message of every branch, with your profile and episodes.</p>
        <div className="your-data-buttons your-data-buttons-start">
          {formats.map((format) => (
            <button key={format} type="button" className="button-secondary" disabled={exportAll.isPending} onClick={() => exportAll.mutate(format)}>
              Export all as {formatLabels[format]}
            </button>
          ))}
        </div>
        <p className="your-data-note" role="status">
          {exportAll.isPending ? "Preparing your export…" : ""}
        </p>
        {exportAll.isError && (
          <p className="your-data-error" role="alert">
            Export failed: {describeError(exportAll.error)}
          </p>
        )}
      </div>
      <div className="your-data-block">
        <h3>Delete your data</h3>
        <p className="your-data-note">Deletes every chat, message, remembered fact and episode, and starts you afresh as a new user.</p>
        <button ref={deleteButtonRef} type="button" className="button-danger" onClick={() => setConfirming(true)}>
          Delete everything Recall holds about me
        </button>
      </div>
      {confirming && <DeleteDataDialog onClose={closeDialog} />}
    </section>
  );
}
