/** Over the chat while files are dragged onto it: where they will go. */
export function DropOverlay({ temporary, newChat }: { temporary: boolean; newChat: boolean }) {
  return (
    <div className="drop-overlay" data-testid="drop-overlay" aria-hidden="true">
      <p>
        Drop files to add them to {newChat ? "a new chat" : "this chat"}
        <small>PDF, Word (.docx), text or Markdown{temporary ? " · kept in memory only, gone with the temporary chat" : ""}</small>
      </p>
    </div>
  );
}
