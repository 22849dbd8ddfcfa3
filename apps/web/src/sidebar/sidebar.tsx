import { useId, useMemo } from "react";
import type { ReactNode } from "react";
import type { ChatSession, SearchHit } from "../trpc.ts";
import { groupByDate } from "./date-groups.ts";
import { SessionRow } from "./session-row.tsx";

export interface SidebarSearch {
  query: string;
  onQueryChange: (query: string) => void;
  /** Null until a query is typed. */
  hits: SearchHit[] | null;
  searching: boolean;
  error: string | null;
}

interface SidebarProps {
  sessions: ChatSession[];
  currentId: string | null;
  onSelect: (sessionId: string) => void;
  onNewChat: () => void;
  onRename: (sessionId: string, title: string) => Promise<boolean>;
  onDelete: (session: ChatSession) => void;
  /** A chat is about to be opened (pointer down): prefetch it. */
  onIntent?: (sessionId: string) => void;
  loading: boolean;
  error: string | null;
  hasMore: boolean;
  loadingMore: boolean;
  onLoadMore: () => void;
  search: SidebarSearch;
  /** Settings and links at the bottom: memory view, theme. */
  footer?: ReactNode;
  /** The clock the date groups read; tests pass a fixed one. */
  now?: Date;
  id?: string;
  /** On a phone the sidebar is a drawer: hidden and inert until opened. */
  hidden?: boolean;
}

export function Sidebar(props: SidebarProps) {
  const { sessions, currentId, onSelect, onNewChat, onRename, onDelete, loading, error, hasMore, loadingMore, onLoadMore, search, footer } = props;
  const searchId = useId();
  // Regrouped when the list changes, not on every render (a fresh Date would defeat the memo).
  const groups = useMemo(() => groupByDate(sessions, props.now ?? new Date()), [sessions, props.now]);
  const rowProps = { onSelect, onRename, onDelete, onIntent: props.onIntent };
  return (
    <nav className="sidebar" aria-label="Chats" id={props.id} data-hidden={props.hidden || undefined} inert={props.hidden}>
      <div className="sidebar-top">
        <span className="brand">Recall</span>
        <button type="button" onClick={onNewChat} aria-keyshortcuts="Control+Shift+O">
          New chat
        </button>
      </div>
      <div className="sidebar-search">
        <label htmlFor={searchId} className="visually-hidden">
          Search chats
        </label>
        <input
          id={searchId}
          type="search"
          placeholder="Search chats"
          value={search.query}
          onChange={(event) => search.onQueryChange(event.target.value)}
          aria-keyshortcuts="Control+K"
        />
      </div>
      {error && (
        <p className="sidebar-note message-problem" role="alert">
          {error}
        </p>
      )}
      {search.hits !== null || search.query.trim() !== "" ? (
        <section aria-label="Search results" className="session-group">
          {search.error && (
            <p className="sidebar-note message-problem" role="alert">
              {search.error}
            </p>
          )}
          {search.searching && search.hits === null && <p className="sidebar-note">Searching…</p>}
          {search.hits?.length === 0 && <p className="sidebar-note">No chat mentions “{search.query.trim()}”.</p>}
          <ul className="session-list">
            {search.hits?.map((hit) => (
              <SessionRow key={hit.session.id} session={hit.session} current={hit.session.id === currentId} snippet={hit.snippet} {...rowProps} />
            ))}
          </ul>
        </section>
      ) : (
        <>
          {loading && <p className="sidebar-note">Loading chats…</p>}
          {!loading && !error && sessions.length === 0 && <p className="sidebar-note">No chats yet.</p>}
          {groups.map((group) => (
            <section key={group.label} className="session-group" aria-labelledby={`${searchId}-${group.label}`}>
              <h2 className="session-group-label" id={`${searchId}-${group.label}`}>
                {group.label}
              </h2>
              <ul className="session-list">
                {group.items.map((session) => (
                  <SessionRow key={session.id} session={session} current={session.id === currentId} {...rowProps} />
                ))}
              </ul>
            </section>
          ))}
          {hasMore && (
            <button type="button" className="button-secondary" onClick={onLoadMore} disabled={loadingMore}>
              {loadingMore ? "Loading…" : "Older chats"}
            </button>
          )}
        </>
      )}
      {footer && <div className="sidebar-footer">{footer}</div>}
    </nav>
  );
}
