import type { ChatDocument } from "../trpc.ts";
import { describeDocument, describeState, formatBytes, percent, stageLabels } from "./format.ts";
import type { UploadRow } from "./use-document-uploads.ts";

/** A bar with the numbers a screen reader reads out ("Embedding, 60%"). */
export function ProgressBar({ label, value, valueText }: { label: string; value: number; valueText: string }) {
  return (
    <div className="document-progress" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={value} aria-valuetext={valueText}>
      <span className="document-progress-fill" style={{ width: `${value}%` }} />
    </div>
  );
}

interface DocumentRowProps {
  document: ChatDocument;
  onOpen: () => void;
  onToggleKeep: () => void;
  onRemove: () => void;
  /** A change to this document is on its way: its buttons wait. */
  busy: boolean;
}

/** One document of the chat: name, pages, size, state; processing shows its stage, failed its reason. */
export function DocumentRow({ document, onOpen, onToggleKeep, onRemove, busy }: DocumentRowProps) {
  const processing = document.state === "processing";
  const value = percent(document.progress);
  const stage = document.stage ? stageLabels[document.stage] : "Processing";
  return (
    <li className="document-row" data-testid="document-row" data-state={document.state} aria-label={document.name}>
      <div className="document-main">
        <span className="document-name" title={document.name}>
          {document.name}
        </span>
        <span className="document-meta">
          {describeDocument(document)} · <span className="document-state">{describeState(document)}</span>
        </span>
        {processing && <ProgressBar label={`Processing ${document.name}`} value={value} valueText={`${stage}, ${value}%`} />}
        {document.state === "failed" && document.error && (
          <p className="document-error" role="alert">
            {document.error.message}
          </p>
        )}
      </div>
      <div className="document-actions">
        {document.state === "ready" && (
          <button type="button" className="action-button" aria-label={`Open ${document.name}`} onClick={onOpen}>
            Open
          </button>
        )}
        {!document.ephemeral && document.state !== "failed" && (
          <button
            type="button"
            className="action-button document-keep"
            aria-label={`Keep ${document.name} in library`}
            aria-pressed={document.kept}
            title={document.kept ? "Kept in your library: it stays when removed from its chats" : "Keep it in your library after it leaves its chats"}
            disabled={busy}
            onClick={onToggleKeep}
          >
            {document.kept ? "✓ Keep" : "Keep"}
          </button>
        )}
        <button type="button" className="action-button" aria-label={`Remove ${document.name} from this chat`} disabled={busy} onClick={onRemove}>
          Remove
        </button>
      </div>
    </li>
  );
}

/** A file on its way up (real progress) or refused (the server's reason, to dismiss). */
export function UploadRowView({ upload, onCancel, onDismiss }: { upload: UploadRow; onCancel: () => void; onDismiss: () => void }) {
  const value = upload.total > 0 ? percent(upload.loaded / upload.total) : 0;
  return (
    <li className="document-row" data-testid="upload-row" data-state={upload.state} aria-label={upload.name}>
      <div className="document-main">
        <span className="document-name" title={upload.name}>
          {upload.name}
        </span>
        <span className="document-meta">
          {formatBytes(upload.sizeBytes)} · <span className="document-state">{upload.state === "uploading" ? `Uploading ${value}%` : "Not uploaded"}</span>
        </span>
        {upload.state === "uploading" && <ProgressBar label={`Uploading ${upload.name}`} value={value} valueText={`Uploading, ${value}%`} />}
        {upload.refusal && (
          <p className="document-error" role="alert">
            {upload.refusal}
          </p>
        )}
      </div>
      <div className="document-actions">
        {upload.state === "uploading" ? (
          <button type="button" className="action-button" aria-label={`Cancel upload of ${upload.name}`} onClick={onCancel}>
            Cancel
          </button>
        ) : (
          <button type="button" className="action-button" aria-label={`Dismiss ${upload.name}`} onClick={onDismiss}>
            Dismiss
          </button>
        )}
      </div>
    </li>
  );
}
