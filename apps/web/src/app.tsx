import { limits } from "@recall/schema";
import { skipToken, useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Composer } from "./components/composer.tsx";
import { MessageList } from "./components/message-list.tsx";
import { ModelPicker } from "./components/model-picker.tsx";
import { OllamaBanner } from "./components/ollama-banner.tsx";
import { Sidebar } from "./components/sidebar.tsx";
import { describeError, errorCode } from "./error-message.ts";
import { useChatLocation } from "./hooks/use-chat-location.ts";
import { useSendMessage } from "./hooks/use-send-message.ts";
import { canChat, chooseModel } from "./model-choice.ts";
import { messageListInput, useTRPC, useTRPCClient } from "./trpc.ts";

/**
 * Every procedure needs the identity cookie, so nothing renders before auth.ensure answered.
 * A query rather than a mutation: it runs once however often React mounts, and retries.
 */
export function App() {
  const client = useTRPCClient();
  const identity = useQuery({
    queryKey: ["recall", "identity"],
    queryFn: () => client.auth.ensure.mutate(),
    staleTime: Number.POSITIVE_INFINITY,
    gcTime: Number.POSITIVE_INFINITY,
  });
  if (identity.isPending) return <p className="boot">Connecting to Recall…</p>;
  if (identity.isError) {
    return (
      <div className="boot" role="alert">
        <p>{describeError(identity.error)}</p>
        <button type="button" onClick={() => void identity.refetch()}>
          Try again
        </button>
      </div>
    );
  }
  return <ChatScreen />;
}

function ChatScreen() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [chatId, openChat] = useChatLocation();
  // A pick belongs to the chat it was made in; switching chats falls back to that chat's model.
  const [pick, setPick] = useState<{ chatId: string | null; model: string } | null>(null);

  const catalog = useQuery(trpc.models.list.queryOptions());
  const sessions = useInfiniteQuery(
    trpc.session.list.infiniteQueryOptions({ limit: limits.pageSizeDefault }, { getNextPageParam: (page) => page.nextCursor }),
  );
  const messages = useQuery(trpc.message.list.queryOptions(chatId ? messageListInput(chatId) : skipToken));
  const stop = useMutation(
    trpc.message.stop.mutationOptions({
      // Nothing was running any more: the list is stale, so fetch the real ending.
      onSuccess: ({ stopped }) => {
        if (!stopped) void queryClient.invalidateQueries(trpc.message.list.pathFilter());
      },
    }),
  );

  const sessionItems = sessions.data?.pages.flatMap((page) => page.items) ?? [];
  const currentSession = sessionItems.find((session) => session.id === chatId) ?? null;
  const messageItems = chatId ? (messages.data?.items ?? []) : [];
  const streamingMessage = messageItems.findLast((message) => message.role === "assistant" && message.status === "streaming");
  const installed = (catalog.data?.models ?? []).filter(canChat);
  const model = chooseModel({
    picked: pick && pick.chatId === chatId ? pick.model : null,
    chatModel: currentSession?.model ?? null,
    defaultModel: catalog.data?.defaultModel ?? null,
    installed: installed.map((entry) => entry.name),
  });
  const sender = useSendMessage({ chatId, model, openChat });

  function switchChat(nextChatId: string | null) {
    stop.reset();
    sender.reset();
    openChat(nextChatId);
  }

  return (
    <div className="app">
      <Sidebar
        sessions={sessionItems}
        currentId={chatId}
        onSelect={switchChat}
        onNewChat={() => switchChat(null)}
        loading={sessions.isPending}
        error={sessions.isError ? describeError(sessions.error) : null}
        hasMore={sessions.hasNextPage}
        loadingMore={sessions.isFetchingNextPage}
        onLoadMore={() => void sessions.fetchNextPage()}
      />
      <main className="chat">
        <header className="chat-header">
          <h1>{currentSession?.title ?? (chatId ? "Chat" : "New chat")}</h1>
          <ModelPicker
            models={installed}
            value={model}
            loading={catalog.isPending}
            reachable={catalog.data?.ollama.reachable ?? false}
            onChange={(name) => setPick({ chatId, model: name })}
          />
        </header>
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
        {messages.isError ? (
          <div className="message-scroller">
            <div className="empty-chat" role="alert">
              <p>
                {errorCode(messages.error) === "NOT_FOUND"
                  ? "This chat does not exist any more, or belongs to someone else."
                  : describeError(messages.error)}
              </p>
              <button type="button" onClick={() => switchChat(null)}>
                Start a new chat
              </button>
            </div>
          </div>
        ) : chatId && messages.isPending ? (
          <p className="empty-chat">Loading messages…</p>
        ) : (
          <MessageList messages={messageItems} hasOlder={Boolean(messages.data?.nextBefore)} streaming={Boolean(streamingMessage)} />
        )}
        <Composer
          onSend={sender.send}
          onStop={() => streamingMessage && stop.mutate({ messageId: streamingMessage.id })}
          streaming={Boolean(streamingMessage)}
          sending={sender.pending}
          stopping={stop.isPending}
          error={sender.error ?? (stop.error ? describeError(stop.error) : null)}
          maxLength={limits.messageMaxChars}
        />
      </main>
    </div>
  );
}
