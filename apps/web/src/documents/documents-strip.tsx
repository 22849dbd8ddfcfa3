import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { describeError } from "../error-message.ts";
import { useTRPC } from "../trpc.ts";
import type { ChatDocument } from "../trpc.ts";
import { DocumentRow, UploadRowView } from "./document-row.tsx";
import { DocumentTextDialog } from "./document-text-dialog.tsx";
import type { UploadRow } from "./use-document-uploads.ts";
import "./documents.css";

/** How often the list is fetched again while a document is being processed. */
export const processingPollMs = 1000;

interface DocumentsStripProps {
  chatId: string;
  /** A temporary chat: its documents live in the server's memory and go with it. */
  temporary: boolean;
  /** This chat's uploads on their way, or refused. */
  uploads: readonly UploadRow[];
  onCancelUpload: (id: string) => void;
  onDismissUpload: (id: string) => void;
}

/** What became of the last change, said once under the list. */
interface Notice {
  text: string;
  problem: boolean;
}

function describeDetached(name: string, deleted: boolean, document: ChatDocument | undefined, chatId: string): string {
  if (deleted) return `Removed “${name}” from this chat and deleted it: it was not kept in your library.`;
  if (document?.kept) return `Removed “${name}” from this chat. It stays in your library.`;
  if (document && document.sessionIds.some((sessionId) => sessionId !== chatId)) return `Removed “${name}” from this chat. It is still in your other chats.`;
  return `Removed “${name}” from this chat.`;
}

/**
 * The chat's documents above the composer: each with its state, a progress bar while the
 * server reads, indexes and embeds it (the list is polled about every second until none is
 * processing), open the extracted text, keep in the library, remove from the chat.
 */
export function DocumentsStrip({ chatId, temporary, uploads, onCancelUpload, onDismissUpload }: DocumentsStripProps) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [opened, setOpened] = useState<ChatDocument | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const list = useQuery(
    trpc.document.list.queryOptions(
      { sessionId: chatId },
      { refetchInterval: (query) => (query.state.data?.some((document) => document.state === "processing") ? processingPollMs : false) },
    ),
  );
  const invalidate = () => queryClient.invalidateQueries(trpc.document.pathFilter());
  const detach = useMutation(trpc.document.detach.mutationOptions({ onSettled: invalidate }));
  const keep = useMutation(trpc.document.keep.mutationOptions({ onSettled: invalidate }));

  // Another chat: the last notice was about this one's documents.
  useEffect(() => setNotice(null), [chatId]);

  const documents = list.data ?? [];
  const chatUploads = uploads.filter((upload) => upload.sessionId === chatId);
  const changing = (documentId: string) =>
    (detach.isPending && detach.variables.documentId === documentId) || (keep.isPending && keep.variables.documentId === documentId);

  async function remove(document: ChatDocument) {
    setNotice(null);
    try {
      const { deleted } = await detach.mutateAsync({ documentId: document.id, sessionId: chatId });
      setNotice({ text: describeDetached(document.name, deleted, document, chatId), problem: false });
    } catch (error) {
      setNotice({ text: `Could not remove “${document.name}”: ${describeError(error)}`, problem: true });
    }
  }

  async function toggleKeep(document: ChatDocument) {
    setNotice(null);
    try {
      const updated = await keep.mutateAsync({ documentId: document.id, kept: !document.kept });
      queryClient.setQueryData(trpc.document.list.queryKey({ sessionId: chatId }), (current) =>
        current?.map((known) => (known.id === updated.id ? updated : known)),
      );
    } catch (error) {
      setNotice({ text: `Could not change “${document.name}”: ${describeError(error)}`, problem: true });
    }
  }

  if (documents.length === 0 && chatUploads.length === 0 && !notice && !list.isError) return null;
  const ephemeral = temporary || documents.some((document) => document.ephemeral);
  return (
    <section className="documents-strip" aria-label="Documents in this chat" data-testid="documents-strip">
      {(documents.length > 0 || chatUploads.length > 0) && (
        // Uploads first: they are what the reader just did, and the list may scroll.
        <ul className="documents-list">
          {chatUploads.map((upload) => (
            <UploadRowView key={upload.id} upload={upload} onCancel={() => onCancelUpload(upload.id)} onDismiss={() => onDismissUpload(upload.id)} />
          ))}
          {documents.map((document) => (
            <DocumentRow
              key={document.id}
              document={document}
              busy={changing(document.id)}
              onOpen={() => setOpened(document)}
              onToggleKeep={() => void toggleKeep(document)}
              onRemove={() => void remove(document)}
            />
          ))}
        </ul>
      )}
      {ephemeral && documents.length > 0 && (
        <p className="documents-note" data-testid="temporary-documents-note">
          Temporary chat: its documents are kept in memory only and are gone with the chat.
        </p>
      )}
      {list.isError && (
        <p className="documents-note documents-problem" role="alert">
          Could not load this chat&apos;s documents: {describeError(list.error)}
        </p>
      )}
      <p className={`documents-note ${notice?.problem ? "documents-problem" : ""}`} role="status">
        {notice?.text}
      </p>
      {opened && <DocumentTextDialog documentId={opened.id} name={opened.name} onClose={() => setOpened(null)} />}
    </section>
  );
}
