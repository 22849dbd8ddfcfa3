import type { deleteAllDataPhrase } from "@recall/schema";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState } from "react";
import { handleModalKeyDown } from "../modal-keys.ts";
import type { KeyboardEvent } from "react";
import { describeError } from "../../error-message.ts";
import { useTRPC } from "../../trpc.ts";
import { reloadApp } from "./reload-app.ts";

/** The words the server demands (a z.literal there), typed so the two cannot drift apart. */
const phrase: typeof deleteAllDataPhrase = "delete my data";

/**
 * The confirmation for "delete everything": the user types the phrase to enable the
 * button. On success the query cache is cleared and the app reloads as a new user.
 */
export function DeleteDataDialog({ onClose }: { onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [typed, setTyped] = useState("");
  const dialogRef = useRef<HTMLDivElement>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const titleId = useId();
  const descriptionId = useId();
  const inputId = useId();
  const deleteAll = useMutation(
    trpc.account.deleteAll.mutationOptions({
      onSuccess: () => {
        queryClient.clear();
        reloadApp();
      },
    }),
  );
  const confirmed = typed.trim() === phrase;

  useEffect(() => {
    inputRef.current?.focus();
  }, []);

  function handleKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    handleModalKeyDown(event, dialogRef.current, { canClose: !deleteAll.isPending, onClose });
  }

  return (
    <div className="your-data-backdrop">
      <div
        ref={dialogRef}
        className="your-data-dialog"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby={titleId}
        aria-describedby={descriptionId}
        onKeyDown={handleKeyDown}
      >
        <h2 id={titleId}>Delete everything Recall holds about you?</h2>
        <p id={descriptionId}>
          This deletes all your chats and their messages, everything Recall remembers about you (profile facts and episodes) and your identity on
          this server. It cannot be undone. Export your chats first if you want to keep a copy.
        </p>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            if (confirmed) deleteAll.mutate({ confirm: phrase });
          }}
        >
          <label htmlFor={inputId}>
            Type <strong>{phrase}</strong> to confirm
          </label>
          <input
            ref={inputRef}
            id={inputId}
            className="your-data-input"
            value={typed}
            autoComplete="off"
            spellCheck={false}
            onChange={(event) => setTyped(event.target.value)}
          />
          {deleteAll.isError && (
            <p className="your-data-error" role="alert">
              {describeError(deleteAll.error)}
            </p>
          )}
          <div className="your-data-buttons">
            <button type="button" className="button-secondary" onClick={onClose} disabled={deleteAll.isPending}>
              Cancel
            </button>
            <button type="submit" className="button-danger" disabled={!confirmed || deleteAll.isPending}>
              {deleteAll.isPending ? "Deleting…" : "Delete everything"}
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}
