import { limits } from "@recall/schema";
import { skipToken, useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useMemo, useRef, useState } from "react";
import { AccountArea } from "./components/account/account-area.tsx";
import { AdminPage } from "./components/admin/admin-page.tsx";
import { ChatHeader } from "./components/chat-header.tsx";
import { Composer } from "./components/composer.tsx";
import { MessageList } from "./components/message-list.tsx";
import { ModelPicker } from "./components/model-picker.tsx";
import { OllamaBanner } from "./components/ollama-banner.tsx";
import { ShortcutHelp } from "./components/shortcut-help.tsx";
import { ThemePicker } from "./components/theme-picker.tsx";
import { ExportChatMenu, MemoryAndDataPage } from "./components/your-data/index.ts";
import { DocumentsStrip } from "./documents/documents-strip.tsx";
import { DropOverlay } from "./documents/drop-overlay.tsx";
import { LibraryPage } from "./documents/library-page.tsx";
import { useDocumentUploads } from "./documents/use-document-uploads.ts";
import { useFileDrop } from "./documents/use-file-drop.ts";
import { describeError, errorCode } from "./error-message.ts";
import { useBranchChoices } from "./hooks/use-branch-choices.ts";
import { useChatLocation } from "./hooks/use-chat-location.ts";
import { useDebouncedValue } from "./hooks/use-debounced-value.ts";
import { useKeyboardShortcuts } from "./hooks/use-keyboard-shortcuts.ts";
import { useMediaQuery } from "./hooks/use-media-query.ts";
import { useChatActions } from "./hooks/use-chat-actions.ts";
import { useUndoableDelete } from "./hooks/use-undoable-delete.ts";
import { canChat, chooseModel } from "./model-choice.ts";
import { Sidebar } from "./sidebar/sidebar.tsx";
import { parentKey, selectBranch } from "./thread/branches.ts";
import { threadInput, useTRPC } from "./trpc.ts";
import type { ChatMessage, ChatSession } from "./trpc.ts";

const sidebarId = "chats-sidebar";
const noImageOrigins: readonly string[] = [];

export function ChatScreen() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [chatId, openChat] = useChatLocation();
  // A pick belongs to the chat it was made in; switching chats falls back to that chat's model.
  const [pick, setPick] = useState<{ chatId: string | null; model: string } | null>(null);
  const [searchQuery, setSearchQuery] = useState("");
  const phone = useMediaQuery("(max-width: 720px)");
  const [drawerOpen, setDrawerOpen] = useState(false);
  const [view, setView] = useState<"chat" | "memory" | "admin" | "library">("chat");
  const me = useQuery(trpc.auth.me.queryOptions());
  function closePage() {
    setView("chat");
    // Back where the reader types, not lost on <body>.
    requestAnimationFrame(() => composerRef.current?.focus());
  }
  // For the next new chat only: ChatGPT's "Temporary chat".
  const [temporary, setTemporary] = useState(false);
  const composerRef = useRef<HTMLTextAreaElement>(null);

  // While Ollama is down or has no models, look again every few seconds: the banner goes away by
  // itself once `ollama serve` or `ollama pull` has done its work.
  const catalog = useQuery(
    trpc.models.list.queryOptions(undefined, {
      refetchInterval: (query) => (query.state.data && (!query.state.data.ollama.reachable || query.state.data.models.length === 0) ? 5000 : false),
    }),
  );
  const settings = useQuery(trpc.settings.queryOptions(undefined, { staleTime: Number.POSITIVE_INFINITY }));
  const sessions = useInfiniteQuery(
    trpc.session.list.infiniteQueryOptions({ limit: limits.pageSizeDefault }, { getNextPageParam: (page) => page.nextCursor }),
  );
  const settledQuery = useDebouncedValue(searchQuery.trim(), 200);
  const search = useQuery(trpc.session.search.queryOptions(settledQuery ? { query: settledQuery } : skipToken, { placeholderData: (previous) => previous }));
  const thread = useQuery(trpc.message.thread.queryOptions(chatId ? threadInput(chatId) : skipToken));
  const [choices, choose] = useBranchChoices(chatId);

  const invalidateSessions = () => {
    void queryClient.invalidateQueries(trpc.session.list.pathFilter());
    void queryClient.invalidateQueries(trpc.session.search.pathFilter());
  };
  const stop = useMutation(
    trpc.message.stop.mutationOptions({
      // Nothing was running any more: the thread is stale, so fetch the real ending.
      onSuccess: ({ stopped }) => {
        if (!stopped) void queryClient.invalidateQueries(trpc.message.thread.pathFilter());
      },
    }),
  );
  const rename = useMutation(trpc.session.rename.mutationOptions({ onSettled: invalidateSessions }));
  const deleteChat = useMutation(trpc.session.delete.mutationOptions({ onSettled: invalidateSessions }));
  const deletion = useUndoableDelete((session) => deleteChat.mutate({ sessionId: session.id }));

  const sessionItems = useMemo(
    () => (sessions.data?.pages.flatMap((page) => page.items) ?? []).filter((session) => session.id !== deletion.pending?.id),
    [sessions.data, deletion.pending],
  );
  const currentSession = sessionItems.find((session) => session.id === chatId) ?? null;
  const messages = useMemo(() => (chatId ? (thread.data?.messages ?? []) : []), [chatId, thread.data]);
  const entries = useMemo(() => selectBranch(messages, choices), [messages, choices]);
  const streamingMessage = messages.findLast((message) => message.role === "assistant" && message.status === "streaming");
  const installed = (catalog.data?.models ?? []).filter(canChat);
  const model = chooseModel({
    picked: pick && pick.chatId === chatId ? pick.model : null,
    chatModel: currentSession?.model ?? null,
    defaultModel: catalog.data?.defaultModel ?? null,
    installed: installed.map((entry) => entry.name),
  });
  const actions = useChatActions({ chatId, model, temporary, openChat });
  const busy = Boolean(streamingMessage) || actions.pending;
  const uploads = useDocumentUploads(undefined, settings.data?.documentMaxBytes ?? null);
  // On a new chat the files make the chat first, as sending does: they start processing at once,
  // so they are ready (or refused) by the time the first question is asked.
  function attachFiles(files: File[]) {
    actions.ensureChat().then(
      (sessionId) => uploads.start(sessionId, files),
      // The composer shows why the chat could not be made (actions.error).
      () => {},
    );
  }
  const fileDrop = useFileDrop(attachFiles, view === "chat" && !thread.isError);

  function switchChat(nextChatId: string | null) {
    stop.reset();
    actions.reset();
    openChat(nextChatId);
    setDrawerOpen(false);
    setView("chat");
    setTemporary(false);
  }

  function removeChat(session: ChatSession) {
    deletion.remove(session);
    if (session.id === chatId) switchChat(null);
  }

  async function renameChat(sessionId: string, title: string): Promise<boolean> {
    try {
      await rename.mutateAsync({ sessionId, title });
      return true;
    } catch {
      return false;
    }
  }

  const stopStreaming = streamingMessage ? () => stop.mutate({ messageId: streamingMessage.id }) : null;
  useKeyboardShortcuts({
    newChat: () => switchChat(null),
    focusInput: () => composerRef.current?.focus(),
    focusSearch: () => {
      if (phone) setDrawerOpen(true);
      // After the drawer stops being inert.
      requestAnimationFrame(() => document.querySelector<HTMLInputElement>(".sidebar-search input")?.focus());
    },
    stop: stopStreaming,
  });

  const selectVersion = useCallback((message: ChatMessage, versionId: string) => choose(parentKey(message), versionId), [choose]);
  const { send, regenerate } = actions;
  const editMessage = useCallback((message: ChatMessage, content: string) => send(content, message.parentId), [send]);
  const regenerateReply = useCallback((message: ChatMessage) => void regenerate(message.id), [regenerate]);
  const leafId = entries.at(-1)?.message.id ?? null;

  return (
    <div className="app" data-drawer={phone ? (drawerOpen ? "open" : "closed") : undefined}>
      <Sidebar
        id={sidebarId}
        hidden={phone && !drawerOpen}
        sessions={sessionItems}
        currentId={chatId}
        onSelect={switchChat}
        onNewChat={() => switchChat(null)}
        onRename={renameChat}
        onDelete={removeChat}
        onIntent={(sessionId) => void queryClient.prefetchQuery(trpc.message.thread.queryOptions(threadInput(sessionId)))}
        loading={sessions.isPending}
        error={sessions.isError ? describeError(sessions.error) : deleteChat.isError ? describeError(deleteChat.error) : null}
        hasMore={sessions.hasNextPage}
        loadingMore={sessions.isFetchingNextPage}
        onLoadMore={() => void sessions.fetchNextPage()}
        search={{
          query: searchQuery,
          onQueryChange: setSearchQuery,
          hits: searchQuery.trim() && search.data ? search.data.items.filter((hit) => hit.session.id !== deletion.pending?.id) : null,
          searching: search.isFetching,
          error: search.isError ? describeError(search.error) : null,
        }}
        footer={
          <>
            <AccountArea />
            <button
              type="button"
              aria-current={view === "memory" ? "page" : undefined}
              onClick={() => {
                setView("memory");
                setDrawerOpen(false);
              }}
            >
              Memory &amp; data
            </button>
            <button
              type="button"
              aria-current={view === "library" ? "page" : undefined}
              onClick={() => {
                setView("library");
                setDrawerOpen(false);
              }}
            >
              Library
            </button>
            {me.data?.role === "admin" && (
              <button
                type="button"
                aria-current={view === "admin" ? "page" : undefined}
                onClick={() => {
                  setView("admin");
                  setDrawerOpen(false);
                }}
              >
                Admin
              </button>
            )}
            <ThemePicker />
            <ShortcutHelp />
          </>
        }
      />
      {phone && drawerOpen && <div className="drawer-backdrop" aria-hidden="true" onClick={() => setDrawerOpen(false)} />}
      <main className="chat drop-target" inert={phone && drawerOpen} {...fileDrop.handlers}>
        {view === "memory" ? (
          <MemoryAndDataPage onClose={closePage} />
        ) : view === "library" ? (
          <LibraryPage chatId={chatId} onClose={closePage} />
        ) : view === "admin" ? (
          <AdminPage onClose={closePage} />
        ) : (
          <>
            <ChatHeader
              title={currentSession?.title ?? (chatId ? "Chat" : "New chat")}
              menu={phone ? { open: drawerOpen, controls: sidebarId, onToggle: () => setDrawerOpen((open) => !open) } : null}
            >
              {currentSession?.ephemeral && (
                <span className="temporary-badge" title="Kept in memory only: never saved, never remembered, gone after it sits idle.">
                  Temporary
                </span>
              )}
              {!chatId && (
                <label className="temporary-toggle">
                  <input type="checkbox" checked={temporary} onChange={(event) => setTemporary(event.target.checked)} />
                  Temporary chat
                </label>
              )}
              {chatId && <ExportChatMenu sessionId={chatId} />}
              <ModelPicker
                models={installed}
                value={model}
                loading={catalog.isPending}
                reachable={catalog.data?.ollama.reachable ?? false}
                onChange={(name) => setPick({ chatId, model: name })}
              />
            </ChatHeader>
            {catalog.isError && (
              <p className="banner" role="alert">
                {describeError(catalog.error)}
              </p>
            )}
            {catalog.data && (
              <OllamaBanner
                ollama={catalog.data.ollama}
                modelCount={installed.length}
                defaultModel={catalog.data.defaultModel}
                checking={catalog.isFetching}
                onCheckAgain={() => void catalog.refetch()}
              />
            )}
            {catalog.data?.ollama.demo && (
              <p className="demo-notice" role="note">
                Demo mode: replies come from Recall&apos;s built-in fake model, not a real LLM. For real answers, run Ollama and start Recall
                with <code>pnpm start</code>.
              </p>
            )}
            {thread.isError ? (
              <div className="message-scroller">
                <div className="empty-chat" role="alert">
                  <p>
                    {errorCode(thread.error) === "NOT_FOUND" ? "This chat does not exist any more, or belongs to someone else." : describeError(thread.error)}
                  </p>
                  <button type="button" onClick={() => switchChat(null)}>
                    Start a new chat
                  </button>
                </div>
              </div>
            ) : chatId && thread.isPending ? (
              <div className="message-scroller">
                <p className="empty-chat">Loading messages…</p>
              </div>
            ) : (
              <MessageList
                key={chatId ?? "new"}
                chatId={chatId ?? "new"}
                entries={entries}
                truncated={thread.data?.truncated ?? false}
                streaming={Boolean(streamingMessage)}
                busy={busy}
                onSelectVersion={selectVersion}
                onEdit={editMessage}
                onRegenerate={regenerateReply}
                imageOrigins={settings.data?.imageOrigins ?? noImageOrigins}
                {...(temporary && !chatId ? { emptyNote: "Temporary chat: kept in memory only. It is never saved, Recall remembers nothing of it, and it is gone after it sits idle." } : {})}
              />
            )}
            {deletion.pending && (
              <div className="toast" role="status">
                Deleted “{deletion.pending.title}”.{" "}
                <button type="button" className="button-link" onClick={deletion.undo}>
                  Undo
                </button>
              </div>
            )}
            {chatId && (
              <DocumentsStrip
                chatId={chatId}
                temporary={currentSession?.ephemeral ?? false}
                uploads={uploads.rows}
                onCancelUpload={uploads.cancel}
                onDismissUpload={uploads.dismiss}
              />
            )}
            <Composer
              inputRef={composerRef}
              onAttachFiles={attachFiles}
              onSend={(content) => send(content, leafId ?? undefined)}
              onStop={() => stopStreaming?.()}
              streaming={Boolean(streamingMessage)}
              sending={actions.pending}
              stopping={stop.isPending}
              error={actions.error ?? (stop.error ? describeError(stop.error) : null)}
              maxLength={limits.messageMaxChars}
            />
            {fileDrop.dragging && <DropOverlay temporary={currentSession?.ephemeral ?? (!chatId && temporary)} newChat={!chatId} />}
          </>
        )}
      </main>
    </div>
  );
}
