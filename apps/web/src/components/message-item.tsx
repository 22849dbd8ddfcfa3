import { toDate } from "../dates.ts";
import { ContextPanel } from "./context-panel.tsx";
import { useMessageStream } from "../hooks/use-message-stream.ts";
import type { ShownMessage, StreamConnection } from "../hooks/use-message-stream.ts";
import type { ChatMessage } from "../trpc.ts";

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

function describeEnding(shown: ShownMessage): string | null {
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

export function MessageItem({ message }: { message: ChatMessage }) {
  const { shown, connection } = useMessageStream(message);
  const streaming = shown.status === "streaming";
  const ending = describeEnding(shown);
  const createdAt = toDate(message.createdAt);
  const author = message.role === "user" ? "You" : message.role === "assistant" ? "Assistant" : "System";
  return (
    <article className={`message message-${message.role}`} data-status={shown.status} aria-busy={streaming} aria-label={`${author} message`}>
      <header className="message-meta">
        <span className="message-author">{author}</span>
        {message.role === "assistant" && message.model && <span className="message-model">{message.model}</span>}
        <time dateTime={createdAt.toISOString()}>{timeFormat.format(createdAt)}</time>
      </header>
      <div className="message-content">
        <span className="message-text">{shown.content}</span>
        {streaming && (
          <span className="typing" role="status">
            <span className="visually-hidden">Writing…</span>
          </span>
        )}
      </div>
      {ending && <p className={`message-note ${shown.status === "error" ? "message-problem" : ""}`}>{ending}</p>}
      <ConnectionNote connection={connection} />
      {message.role === "assistant" && !streaming && <ContextPanel messageId={message.id} />}
    </article>
  );
}
