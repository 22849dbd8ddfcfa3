import { useState } from "react";
import type { KeyboardEvent } from "react";
import { limits } from "@recall/schema";
import type { ChatSession } from "../trpc.ts";

interface SessionRowProps {
  session: ChatSession;
  current: boolean;
  onSelect: (sessionId: string) => void;
  /** Resolves true once the server took the new title. */
  onRename: (sessionId: string, title: string) => Promise<boolean>;
  onDelete: (session: ChatSession) => void;
  /** The pointer went down on the chat: its messages can be fetched before the click lands. */
  onIntent?: (sessionId: string) => void;
  /** Search results show where the query matched. */
  snippet?: string | null;
}

export function SessionRow({ session, current, onSelect, onRename, onDelete, onIntent, snippet }: SessionRowProps) {
  const [renaming, setRenaming] = useState(false);
  const [title, setTitle] = useState(session.title);

  async function save() {
    const trimmed = title.trim();
    setRenaming(false);
    if (trimmed === "" || trimmed === session.title) return setTitle(session.title);
    if (!(await onRename(session.id, trimmed))) setTitle(session.title);
  }

  function handleKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === "Enter") {
      event.preventDefault();
      void save();
    } else if (event.key === "Escape") {
      event.preventDefault();
      setTitle(session.title);
      setRenaming(false);
    }
  }

  if (renaming) {
    return (
      <li className="session-row">
        <input
          className="session-rename"
          aria-label="Chat title"
          value={title}
          maxLength={limits.sessionTitleMaxChars}
          onChange={(event) => setTitle(event.target.value)}
          onKeyDown={handleKeyDown}
          onBlur={() => void save()}
          autoFocus
        />
      </li>
    );
  }
  return (
    <li className="session-row" data-current={current || undefined}>
      <button
        type="button"
        className="session-button"
        aria-current={current ? "page" : undefined}
        // Not on touch: a finger scrolling the list also goes down on rows it never opens.
        onPointerDown={(event) => event.pointerType !== "touch" && onIntent?.(session.id)}
        onClick={() => onSelect(session.id)}
      >
        <span className="session-title">
          {session.ephemeral && <span className="session-badge">Temporary</span>}
          {session.title}
        </span>
        {snippet && <span className="session-snippet">{snippet}</span>}
      </button>
      <span className="session-actions">
        <button
          type="button"
          className="icon-button"
          aria-label={`Rename ${session.title}`}
          title="Rename"
          onClick={() => {
            setTitle(session.title);
            setRenaming(true);
          }}
        >
          ✎
        </button>
        <button type="button" className="icon-button" aria-label={`Delete ${session.title}`} title="Delete" onClick={() => onDelete(session)}>
          ✕
        </button>
      </span>
    </li>
  );
}
