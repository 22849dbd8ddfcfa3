import { toDate } from "../dates.ts";
import type { ChatSession } from "../trpc.ts";

interface SidebarProps {
  sessions: ChatSession[];
  currentId: string | null;
  onSelect: (sessionId: string) => void;
  onNewChat: () => void;
  loading: boolean;
  error: string | null;
  hasMore: boolean;
  loadingMore: boolean;
  onLoadMore: () => void;
}

const dayFormat = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });

export function Sidebar(props: SidebarProps) {
  const { sessions, currentId, onSelect, onNewChat, loading, error, hasMore, loadingMore, onLoadMore } = props;
  return (
    <nav className="sidebar" aria-label="Chats">
      <div className="sidebar-top">
        <span className="brand">Recall</span>
        <button type="button" onClick={onNewChat}>
          New chat
        </button>
      </div>
      {error && (
        <p className="sidebar-note message-problem" role="alert">
          {error}
        </p>
      )}
      {loading && <p className="sidebar-note">Loading chats…</p>}
      {!loading && !error && sessions.length === 0 && <p className="sidebar-note">No chats yet.</p>}
      <ul className="session-list">
        {sessions.map((session) => {
          const updatedAt = toDate(session.updatedAt);
          return (
            <li key={session.id}>
              <button
                type="button"
                className="session-button"
                aria-current={session.id === currentId ? "page" : undefined}
                onClick={() => onSelect(session.id)}
              >
                <span className="session-title">{session.title}</span>
                <time dateTime={updatedAt.toISOString()}>{dayFormat.format(updatedAt)}</time>
              </button>
            </li>
          );
        })}
      </ul>
      {hasMore && (
        <button type="button" className="button-secondary" onClick={onLoadMore} disabled={loadingMore}>
          {loadingMore ? "Loading…" : "Older chats"}
        </button>
      )}
    </nav>
  );
}
