import { useId, useState } from "react";
import type { KeyboardEvent } from "react";

interface MessageEditFormProps {
  initial: string;
  maxLength: number;
  /** Resolves true once the server accepted the new version. */
  onSubmit: (content: string) => Promise<boolean>;
  onCancel: () => void;
}

/** Edit a sent message and resend it: the old version and its replies stay one click away. */
export function MessageEditForm({ initial, maxLength, onSubmit, onCancel }: MessageEditFormProps) {
  const [draft, setDraft] = useState(initial);
  const [sending, setSending] = useState(false);
  const inputId = useId();
  const tooLong = draft.length > maxLength;
  const canSend = draft.trim().length > 0 && !tooLong && !sending;

  async function submit() {
    if (!canSend) return;
    setSending(true);
    const accepted = await onSubmit(draft);
    setSending(false);
    if (accepted) onCancel();
  }

  function handleKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === "Escape") {
      event.preventDefault();
      onCancel();
    } else if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void submit();
    }
  }

  return (
    <form
      className="message-edit"
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <label htmlFor={inputId} className="visually-hidden">
        Edit message
      </label>
      <textarea id={inputId} value={draft} onChange={(event) => setDraft(event.target.value)} onKeyDown={handleKeyDown} autoFocus aria-invalid={tooLong} />
      {tooLong && (
        <p className="composer-error" role="alert">
          Messages are at most {maxLength.toLocaleString("en")} characters.
        </p>
      )}
      <div className="message-edit-buttons">
        <button type="button" className="button-secondary" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" disabled={!canSend}>
          {sending ? "Sending…" : "Send"}
        </button>
      </div>
    </form>
  );
}
