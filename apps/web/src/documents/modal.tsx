import { useEffect, useId, useRef } from "react";
import type { KeyboardEvent, ReactNode } from "react";
import { createPortal } from "react-dom";
import { handleModalKeyDown } from "../components/modal-keys.ts";

interface ModalProps {
  title: ReactNode;
  /** Under the title: what the dialog shows (pages, where a passage is). */
  subtitle?: ReactNode;
  children: ReactNode;
  onClose: () => void;
  /** `alertdialog` for a confirmation that interrupts. */
  role?: "dialog" | "alertdialog";
  /** False while something is being saved: Escape and Close wait for it. */
  canClose?: boolean;
  /** Buttons at the bottom; a dialog without them gets a Close button there. */
  footer?: ReactNode;
  className?: string;
  testId?: string;
}

/**
 * The documents' dialogs (text, passage, confirmations): rendered into <body> so that no
 * positioned or transformed ancestor (the virtualized message rows) clips or moves it; Escape
 * closes it, Tab stays inside, and focus goes back where it was when it closes.
 */
export function Modal({ title, subtitle, children, onClose, role = "dialog", canClose = true, footer, className, testId }: ModalProps) {
  const dialogRef = useRef<HTMLDivElement>(null);
  const titleId = useId();
  const subtitleId = useId();

  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const dialog = dialogRef.current;
    // What the dialog marks (the text to scroll, the safe choice), else its first button, else itself.
    const first = dialog?.querySelector<HTMLElement>("[data-autofocus]") ?? dialog?.querySelector<HTMLElement>(".modal-footer button:not(:disabled)");
    (first ?? dialog)?.focus();
    return () => {
      // Back to the button that opened it, unless the opener is gone (its row was removed).
      if (opener?.isConnected) opener.focus();
    };
  }, []);

  function handleKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    handleModalKeyDown(event, dialogRef.current, { canClose, onClose });
  }

  return createPortal(
    <div
      className="modal-backdrop"
      onPointerDown={(event) => {
        if (event.target === event.currentTarget && canClose) onClose();
      }}
    >
      <div
        ref={dialogRef}
        className={`modal ${className ?? ""}`}
        role={role}
        aria-modal="true"
        aria-labelledby={titleId}
        aria-describedby={subtitle ? subtitleId : undefined}
        tabIndex={-1}
        data-testid={testId}
        onKeyDown={handleKeyDown}
      >
        <header className="modal-header">
          <h2 id={titleId}>{title}</h2>
          {subtitle && (
            <p id={subtitleId} className="modal-subtitle">
              {subtitle}
            </p>
          )}
        </header>
        <div className="modal-body">{children}</div>
        <div className="modal-footer">
          {footer ?? (
            <button type="button" className="button-secondary" onClick={onClose} disabled={!canClose}>
              Close
            </button>
          )}
        </div>
      </div>
    </div>,
    document.body,
  );
}
