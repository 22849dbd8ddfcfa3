import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState } from "react";
import { toDate } from "../dates.ts";
import { describeError } from "../error-message.ts";
import { useTRPC } from "../trpc.ts";
import type { ChatDocument } from "../trpc.ts";
import { ProgressBar } from "./document-row.tsx";
import { DocumentTextDialog } from "./document-text-dialog.tsx";
import { describeDocument, describeState, percent } from "./format.ts";
import { Modal } from "./modal.tsx";
import "./documents.css";

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });

interface LibraryPageProps {
  /** The chat open behind the page: where "Attach" puts a document (null: none open). */
  chatId: string | null;
  onClose: () => void;
}

function describeChats(count: number): string {
  return count === 0 ? "in no chat" : count === 1 ? "in 1 chat" : `in ${count} chats`;
}

/** The user's saved documents (`document.library`): attach one to the open chat, read it, delete it. */
export function LibraryPage({ chatId, onClose }: LibraryPageProps) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const headingId = useId();
  const [opened, setOpened] = useState<ChatDocument | null>(null);
  const [deleting, setDeleting] = useState<ChatDocument | null>(null);
  const [notice, setNotice] = useState<{ text: string; problem: boolean } | null>(null);
  const library = useQuery(
    trpc.document.library.queryOptions(undefined, {
      refetchInterval: (query) => (query.state.data?.some((document) => document.state === "processing") ? 1000 : false),
    }),
  );
  const invalidate = () => queryClient.invalidateQueries(trpc.document.pathFilter());
  const attach = useMutation(trpc.document.attach.mutationOptions({ onSettled: invalidate }));
  const remove = useMutation(trpc.document.delete.mutationOptions({ onSettled: invalidate }));

  // A new page in the main area: move focus to its heading so it is announced.
  useEffect(() => headingRef.current?.focus(), []);

  async function attachToChat(document: ChatDocument) {
    if (!chatId) return;
    setNotice(null);
    try {
      await attach.mutateAsync({ documentId: document.id, sessionId: chatId });
      setNotice({ text: `Attached “${document.name}” to the open chat.`, problem: false });
    } catch (error) {
      setNotice({ text: `Could not attach “${document.name}”: ${describeError(error)}`, problem: true });
    }
  }

  async function confirmDelete(document: ChatDocument) {
    try {
      await remove.mutateAsync({ documentId: document.id });
      setDeleting(null);
      setNotice({ text: `Deleted “${document.name}”.`, problem: false });
    } catch {
      // The dialog shows the error and stays open for another try.
    }
  }

  const documents = library.data ?? [];
  return (
    <section className="your-data-page library-page" aria-labelledby={headingId}>
      <header className="chat-header library-header">
        <h1 id={headingId} ref={headingRef} tabIndex={-1}>
          Library
        </h1>
        <button type="button" className="button-secondary" onClick={onClose}>
          Back to chat
        </button>
      </header>
      <div className="library-scroller">
        <div className="library-content">
          <p className="library-intro">
            Your saved documents. Attach one to the open chat to ask about it there; a document you keep stays here when it leaves its last chat.
          </p>
          {!chatId && <p className="library-intro">Open a chat to attach documents to it.</p>}
          <p className={`documents-note ${notice?.problem ? "documents-problem" : ""}`} role="status">
            {notice?.text}
          </p>
          {library.isPending ? (
            <p className="library-intro">Loading your documents…</p>
          ) : library.isError ? (
            <p className="documents-problem" role="alert">
              {describeError(library.error)}
            </p>
          ) : documents.length === 0 ? (
            <p className="library-empty">No documents yet. Add one to a chat with the paperclip, by dropping it on the chat, or by pasting it.</p>
          ) : (
            <ul className="library-list" aria-label="Saved documents">
              {documents.map((document) => {
                const inChat = chatId !== null && document.sessionIds.includes(chatId);
                const value = percent(document.progress);
                return (
                  <li key={document.id} className="library-item" data-testid="library-item" data-state={document.state} aria-label={document.name}>
                    <div className="document-main">
                      <span className="document-name" title={document.name}>
                        {document.name}
                      </span>
                      <span className="document-meta">
                        {describeDocument(document)} · <span className="document-state">{describeState(document)}</span> ·{" "}
                        {describeChats(document.sessionIds.length)}
                        {document.kept ? " · kept" : ""} · added {dateFormat.format(toDate(document.createdAt))}
                      </span>
                      {document.state === "processing" && <ProgressBar label={`Processing ${document.name}`} value={value} valueText={`${describeState(document)}`} />}
                      {document.state === "failed" && document.error && <p className="document-error">{document.error.message}</p>}
                    </div>
                    <div className="document-actions">
                      {chatId &&
                        (inChat ? (
                          <span className="library-in-chat">In this chat</span>
                        ) : (
                          <button
                            type="button"
                            className="action-button"
                            aria-label={`Attach ${document.name} to this chat`}
                            disabled={document.state === "failed" || (attach.isPending && attach.variables.documentId === document.id)}
                            onClick={() => void attachToChat(document)}
                          >
                            Attach
                          </button>
                        ))}
                      {document.state === "ready" && (
                        <button type="button" className="action-button" aria-label={`Open ${document.name}`} onClick={() => setOpened(document)}>
                          Open
                        </button>
                      )}
                      <button type="button" className="action-button" aria-label={`Delete ${document.name}`} onClick={() => setDeleting(document)}>
                        Delete
                      </button>
                    </div>
                  </li>
                );
              })}
            </ul>
          )}
        </div>
      </div>
      {opened && <DocumentTextDialog documentId={opened.id} name={opened.name} onClose={() => setOpened(null)} />}
      {deleting && (
        <Modal
          role="alertdialog"
          title={`Delete “${deleting.name}”?`}
          subtitle={
            deleting.sessionIds.length > 0
              ? `It is removed from the ${deleting.sessionIds.length === 1 ? "chat" : `${deleting.sessionIds.length} chats`} it is in, and replies there can no longer cite it. This cannot be undone.`
              : "This cannot be undone."
          }
          canClose={!remove.isPending}
          onClose={() => {
            remove.reset();
            setDeleting(null);
          }}
          testId="delete-document-dialog"
          footer={
            <>
              <button
                type="button"
                className="button-secondary"
                data-autofocus
                disabled={remove.isPending}
                onClick={() => {
                  remove.reset();
                  setDeleting(null);
                }}
              >
                Cancel
              </button>
              <button type="button" className="button-danger" disabled={remove.isPending} onClick={() => void confirmDelete(deleting)}>
                {remove.isPending ? "Deleting…" : "Delete"}
              </button>
            </>
          }
        >
          {remove.isError && (
            <p className="modal-error" role="alert">
              {describeError(remove.error)}
            </p>
          )}
        </Modal>
      )}
    </section>
  );
}
