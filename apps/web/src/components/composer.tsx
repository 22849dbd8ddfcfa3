import { useId, useRef, useState } from "react";
import type { ClipboardEvent, FormEvent, KeyboardEvent, Ref } from "react";

/** What the file picker offers; the server decides from the bytes, so this only narrows the picker. */
export const documentAccept = ".pdf,.docx,.txt,.md,.markdown,application/pdf,application/vnd.openxmlformats-officedocument.wordprocessingml.document,text/plain,text/markdown";

interface ComposerProps {
  /** Resolves true once the server accepted the message; false keeps the draft for another try. */
  onSend: (content: string) => Promise<boolean>;
  onStop: () => void;
  /** A reply is being written: Stop replaces Send. */
  streaming: boolean;
  sending: boolean;
  stopping: boolean;
  error: string | null;
  maxLength: number;
  /** For the "focus the message box" shortcut. */
  inputRef?: Ref<HTMLTextAreaElement>;
  /** Files chosen with the paperclip or pasted into the box: they go into the chat as documents. */
  onAttachFiles?: (files: File[]) => void;
}

export function Composer({ onSend, onStop, streaming, sending, stopping, error, maxLength, inputRef, onAttachFiles }: ComposerProps) {
  const [draft, setDraft] = useState("");
  const fileInputRef = useRef<HTMLInputElement>(null);
  const inputId = useId();
  const hintId = useId();
  const tooLong = draft.length > maxLength;
  const canSend = draft.trim().length > 0 && !tooLong && !sending && !streaming;

  async function submit() {
    if (!canSend) return;
    const content = draft;
    setDraft("");
    const accepted = await onSend(content);
    // Put the text back unless the person already started typing something else.
    if (!accepted) setDraft((current) => (current === "" ? content : current));
  }

  function handleKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    // Shift+Enter is a newline; Enter while an IME is composing confirms the composition.
    if (event.key !== "Enter" || event.shiftKey || event.nativeEvent.isComposing) return;
    event.preventDefault();
    void submit();
  }

  // Pasted files (copied in a file manager) become documents; pasted text stays text.
  function handlePaste(event: ClipboardEvent<HTMLTextAreaElement>) {
    const files = [...event.clipboardData.files];
    if (!onAttachFiles || files.length === 0 || event.clipboardData.getData("text/plain") !== "") return;
    event.preventDefault();
    onAttachFiles(files);
  }

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    void submit();
  }

  const problem = tooLong
    ? `Messages are at most ${maxLength.toLocaleString("en")} characters (this one has ${draft.length.toLocaleString("en")}); split it or upload it as a document.`
    : error;

  return (
    <form className="composer" onSubmit={handleSubmit}>
      {problem && (
        <p className="composer-error" role="alert">
          {problem}
        </p>
      )}
      <div className="composer-row">
        {onAttachFiles && (
          <>
            <button
              type="button"
              className="composer-attach"
              aria-label="Attach files"
              title="Attach PDF, Word, text or Markdown files (or drop or paste them)"
              onClick={() => fileInputRef.current?.click()}
            >
              <svg aria-hidden="true" viewBox="0 0 24 24" width="20" height="20" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
                <path d="M21.44 11.05l-9.19 9.19a6 6 0 0 1-8.49-8.49l9.19-9.19a4 4 0 0 1 5.66 5.66l-9.2 9.19a2 2 0 0 1-2.83-2.83l8.49-8.48" />
              </svg>
            </button>
            <input
              ref={fileInputRef}
              type="file"
              multiple
              hidden
              accept={documentAccept}
              data-testid="attach-files-input"
              onChange={(event) => {
                const files = [...(event.target.files ?? [])];
                // Cleared so choosing the same file again fires another change.
                event.target.value = "";
                if (files.length > 0) onAttachFiles(files);
              }}
            />
          </>
        )}
        <label htmlFor={inputId} className="visually-hidden">
          Message
        </label>
        <textarea
          id={inputId}
          ref={inputRef}
          value={draft}
          onChange={(event) => setDraft(event.target.value)}
          onKeyDown={handleKeyDown}
          onPaste={handlePaste}
          placeholder="Message Recall"
          aria-describedby={hintId}
          aria-invalid={tooLong}
          rows={1}
        />
        {streaming ? (
          <button type="button" className="button-stop" onClick={onStop} disabled={stopping} aria-keyshortcuts="Escape">
            {stopping ? "Stopping…" : "Stop"}
          </button>
        ) : (
          <button type="submit" disabled={!canSend}>
            {sending ? "Sending…" : "Send"}
          </button>
        )}
      </div>
      <p id={hintId} className="composer-hint">
        Enter sends, Shift+Enter adds a new line{streaming ? ", Esc stops the reply" : ""}.
      </p>
    </form>
  );
}
