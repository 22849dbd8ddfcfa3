import { limits } from "@recall/schema";
import { memo, useState } from "react";
import { toDate } from "../dates.ts";
import { MessageSources, PassageDialog, useCitationRenderer } from "../documents/citations.tsx";
import { useMessageStream } from "../hooks/use-message-stream.ts";
import { describeQueuedReply, useQueuedReply } from "../hooks/use-queued-reply.ts";
import { MarkdownView } from "../markdown/markdown-view.tsx";
import type { ShownMessage, StreamConnection } from "../hooks/use-message-stream.ts";
import type { BranchEntry } from "../thread/branches.ts";
import type { ChatMessage, Citation } from "../trpc.ts";
import { ContextPanel } from "./context-panel.tsx";
import { CopyButton, VersionSwitcher } from "./message-actions.tsx";
import { MessageEditForm } from "./message-edit-form.tsx";

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

function describeEnding(shown: ShownMessage): string | null {
  // Moderation's own sentence says what happened; anything else is a failure of the model call.
  if (shown.status === "error" && shown.error?.startsWith("The reply was withheld")) return shown.error;
  if (shown.status === "error") return `The reply failed: ${shown.error ?? "the model stopped with an unknown error."}`;
  if (shown.status !== "interrupted") return null;
  switch (shown.interruptReason) {
    case "stopped":
      return "Stopped.";
    case "shutdown":
      return "Interrupted: the server shut down before the reply finished.";
    case "client-gone":
      return "Interrupted: the connection dropped before the reply finished.";
    case null:
      // The server saves why a reply was interrupted ("Stopped.", a shutdown, a crash).
      return shown.error ?? "Interrupted before the reply finished.";
  }
}

function ConnectionNote({ connection }: { connection: StreamConnection }) {
  if (connection.state === "reconnecting") {
    return <p className="message-note">Reconnecting to the reply… {connection.problem}</p>;
  }
  if (connection.state !== "lost" && connection.state !== "ended") return null;
  return (
    <p className="message-note message-problem">
      {connection.state === "lost" ? `Lost the live reply: ${connection.problem}` : "The reply stopped arriving before it finished."}{" "}
      <button type="button" className="button-link" onClick={connection.retry}>
        Retry
      </button>
    </p>
  );
}

export interface MessageItemProps {
  entry: BranchEntry<ChatMessage>;
  /** A reply is being written or a change is on its way: no edits or regenerations meanwhile. */
  busy: boolean;
  /** The newest reply of the shown branch: the one Regenerate replaces. */
  isLastReply: boolean;
  onSelectVersion: (message: ChatMessage, versionId: string) => void;
  onEdit: (message: ChatMessage, content: string) => Promise<boolean>;
  onRegenerate: (message: ChatMessage) => void;
  imageOrigins?: readonly string[];
}

function MessageItemView({ entry, busy, isLastReply, onSelectVersion, onEdit, onRegenerate, imageOrigins }: MessageItemProps) {
  const { message } = entry;
  const { shown, connection } = useMessageStream(message);
  const [editing, setEditing] = useState(false);
  // The passage a citation chip or a source opened.
  const [openCitation, setOpenCitation] = useState<Citation | null>(null);
  const renderCitation = useCitationRenderer(message.role === "assistant" ? message.sources : null, setOpenCitation);
  const streaming = shown.status === "streaming";
  const thinking = streaming && shown.content === "";
  // Sent while the server's model slots were all busy: say so until the first words arrive. The
  // stream's `queued` events count the place down; until the first one, the send's answer stands.
  const queuedAtSend = useQueuedReply(message.id);
  const queuedAhead = shown.queuedAhead ?? queuedAtSend;
  const ending = describeEnding(shown);
  const createdAt = toDate(message.createdAt);
  const author = message.role === "user" ? "You" : message.role === "assistant" ? "Assistant" : "System";
  return (
    <article
      className={`message message-${message.role}`}
      data-status={shown.status}
      data-message-id={message.id}
      aria-busy={streaming}
      aria-label={`${author} message`}
    >
      <header className="message-meta">
        <span className="message-author">{author}</span>
        {message.role === "assistant" && message.model && (
          // Ollama reads a name without a tag as `:latest`: show one spelling for one model.
          <span className="message-model">{message.model.replace(/:latest$/, "")}</span>
        )}
        <time dateTime={createdAt.toISOString()}>{timeFormat.format(createdAt)}</time>
      </header>
      {editing ? (
        <MessageEditForm
          initial={message.content}
          maxLength={limits.messageMaxChars}
          onSubmit={(content) => onEdit(message, content)}
          onCancel={() => setEditing(false)}
        />
      ) : (
        <div className="message-content" data-streaming={streaming || undefined}>
          {thinking ? (
            <span className="thinking" role="status">
              {queuedAhead === null ? "Thinking" : describeQueuedReply(queuedAhead)}
              <span className="thinking-dots" aria-hidden="true" />
            </span>
          ) : message.role === "assistant" ? (
            // Model output is untrusted: Markdown without raw HTML, script URLs or outside images.
            <div className="message-text message-markdown">
              <MarkdownView text={shown.content} streaming={streaming} renderCitation={renderCitation} {...(imageOrigins ? { imageOrigins } : {})} />
            </div>
          ) : (
            <span className="message-text">{shown.content}</span>
          )}
        </div>
      )}
      {message.role === "assistant" && message.sources && !streaming && !editing && <MessageSources sources={message.sources} onOpen={setOpenCitation} />}
      {openCitation && <PassageDialog citation={openCitation} onClose={() => setOpenCitation(null)} />}
      {ending && <p className={`message-note ${shown.status === "error" ? "message-problem" : ""}`}>{ending}</p>}
      <ConnectionNote connection={connection} />
      {!editing && !streaming && (
        <footer className="message-actions">
          <VersionSwitcher versions={entry.versions} index={entry.versionIndex} onSelect={(versionId) => onSelectVersion(message, versionId)} />
          <CopyButton text={shown.content} label={message.role === "user" ? "Copy message" : "Copy reply"} />
          {message.role === "user" && !busy && (
            <button type="button" className="action-button" onClick={() => setEditing(true)}>
              Edit
            </button>
          )}
          {message.role === "assistant" && isLastReply && !busy && (
            <button type="button" className="action-button" onClick={() => onRegenerate(message)}>
              Regenerate
            </button>
          )}
          {message.role === "assistant" && <ContextPanel messageId={message.id} sessionId={message.sessionId} />}
        </footer>
      )}
    </article>
  );
}

/** Memoized: a token in one reply re-renders that reply, not the thousand messages above it. */
export const MessageItem = memo(MessageItemView);
