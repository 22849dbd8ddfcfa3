import { useEffect, useId, useRef, useState } from "react";
import { handleModalKeyDown } from "../modal-keys.ts";
import type { FormEvent, KeyboardEvent } from "react";

export interface AccountField {
  name: string;
  label: string;
  type: "text" | "password";
  autoComplete: string;
  hint?: string;
}

interface AccountDialogProps {
  title: string;
  description?: string;
  fields: AccountField[];
  submitLabel: string;
  busyLabel: string;
  busy: boolean;
  /** The server's message, in words a person can act on (wrong password, username taken…). */
  error: string | null;
  onSubmit: (values: Record<string, string>) => void;
  onClose: () => void;
}

/** A small modal form (sign up, log in, change password): Escape closes it, Tab stays inside. */
export function AccountDialog(props: AccountDialogProps) {
  const { title, description, fields, submitLabel, busyLabel, busy, error, onSubmit, onClose } = props;
  const [values, setValues] = useState<Record<string, string>>(() => Object.fromEntries(fields.map((field) => [field.name, ""])));
  const dialogRef = useRef<HTMLDivElement>(null);
  const firstInputRef = useRef<HTMLInputElement>(null);
  const titleId = useId();
  const descriptionId = useId();
  const errorId = useId();
  const idPrefix = useId();

  useEffect(() => {
    firstInputRef.current?.focus();
  }, []);

  function handleKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    handleModalKeyDown(event, dialogRef.current, { canClose: !busy, onClose });
  }

  function handleSubmit(event: FormEvent) {
    event.preventDefault();
    if (!busy) onSubmit(values);
  }

  return (
    <div className="account-backdrop">
      <div
        ref={dialogRef}
        className="account-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        aria-describedby={description ? descriptionId : undefined}
        onKeyDown={handleKeyDown}
      >
        <h2 id={titleId}>{title}</h2>
        {description && (
          <p id={descriptionId} className="account-note">
            {description}
          </p>
        )}
        <form onSubmit={handleSubmit} noValidate>
          {fields.map((field, index) => {
            const inputId = `${idPrefix}-${field.name}`;
            const hintId = `${inputId}-hint`;
            return (
              <div key={field.name} className="account-field">
                <label htmlFor={inputId}>{field.label}</label>
                <input
                  ref={index === 0 ? firstInputRef : undefined}
                  id={inputId}
                  name={field.name}
                  type={field.type}
                  className="account-input"
                  autoComplete={field.autoComplete}
                  autoCapitalize="none"
                  spellCheck={false}
                  value={values[field.name] ?? ""}
                  aria-describedby={[field.hint ? hintId : null, error ? errorId : null].filter(Boolean).join(" ") || undefined}
                  aria-invalid={error ? true : undefined}
                  onChange={(event) => setValues((current) => ({ ...current, [field.name]: event.target.value }))}
                />
                {field.hint && (
                  <span id={hintId} className="account-hint">
                    {field.hint}
                  </span>
                )}
              </div>
            );
          })}
          {error && (
            <p id={errorId} className="account-error" role="alert">
              {error}
            </p>
          )}
          <div className="account-buttons">
            <button type="button" className="button-secondary" onClick={onClose} disabled={busy}>
              Cancel
            </button>
            <button type="submit" disabled={busy}>
              {busy ? busyLabel : submitLabel}
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}
