import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRef } from "react";
import { describeError } from "../error-message.ts";
import { appendMessages } from "../message-cache.ts";
import { parentKey } from "../thread/branches.ts";
import { threadInput, useTRPC } from "../trpc.ts";
import type { ChatMessage } from "../trpc.ts";
import { chooseVersion } from "./use-branch-choices.ts";
import { noteQueuedReply } from "./use-queued-reply.ts";

interface ChatActionOptions {
  chatId: string | null;
  model: string | null;
  /** A new chat is created temporary: kept in the server's memory only, never saved or remembered. */
  temporary: boolean;
  openChat: (chatId: string) => void;
}

/**
 * Send, edit-and-resend and regenerate. Each adds what the server created to the chat's
 * cached thread and picks the new version, so the reader sees it at once.
 * Sending with no chat open creates the chat first: "New chat" only clears the screen, so
 * abandoned empty chats never pile up in the sidebar.
 */
export function useChatActions({ chatId, model, temporary, openChat }: ChatActionOptions) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();

  async function addToThread(sessionId: string, messages: ChatMessage[]) {
    const filter = { queryKey: trpc.message.thread.queryKey(threadInput(sessionId)) };
    // A fetch of the chat started before the write would overwrite the new messages.
    await queryClient.cancelQueries(filter);
    queryClient.setQueryData(filter.queryKey, (thread) => appendMessages(thread, messages));
    const first = messages[0];
    if (first) chooseVersion(sessionId, parentKey(first), first.id);
    void queryClient.invalidateQueries(filter);
    // The first message titles the chat and every message moves it to the top.
    void queryClient.invalidateQueries(trpc.session.list.pathFilter());
  }

  const createSession = useMutation(
    trpc.session.create.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.session.list.pathFilter()),
    }),
  );
  const sendMessage = useMutation(
    trpc.message.send.mutationOptions({
      onSuccess: ({ userMessage, assistantMessage, queuedAhead }) => {
        noteQueuedReply(assistantMessage.id, queuedAhead);
        return addToThread(userMessage.sessionId, [userMessage, assistantMessage]);
      },
    }),
  );
  const regenerateReply = useMutation(
    trpc.message.regenerate.mutationOptions({
      onSuccess: ({ assistantMessage, queuedAhead }) => {
        noteQueuedReply(assistantMessage.id, queuedAhead);
        return addToThread(assistantMessage.sessionId, [assistantMessage]);
      },
    }),
  );

  // Several files dropped at once, or a send while an upload made the chat: one chat, not two.
  const creating = useRef<{ promise: Promise<string> } | null>(null);

  /** The open chat, or a new one (temporary if asked for), opened at once; rejects when it could not be made. */
  async function ensureChat(): Promise<string> {
    if (chatId) return chatId;
    if (!creating.current) {
      const promise = createSession
        .mutateAsync({ ...(model ? { model } : {}), ...(temporary ? { ephemeral: true } : {}) })
        .then((session) => {
          // Open it before anything goes into it, so a failure is retried in this chat rather than a new one.
          openChat(session.id);
          return session.id;
        })
        .finally(() => {
          creating.current = null;
        });
      creating.current = { promise };
    }
    return creating.current.promise;
  }

  function reset() {
    createSession.reset();
    sendMessage.reset();
    regenerateReply.reset();
  }

  /** `parentId` is the message this one answers: the shown branch's last, or an edited message's parent (null: a new first message). */
  async function send(content: string, parentId: string | null | undefined): Promise<boolean> {
    reset();
    try {
      const sessionId = await ensureChat();
      await sendMessage.mutateAsync({ sessionId, content, ...(parentId === undefined ? {} : { parentId }), ...(model ? { model } : {}) });
      return true;
    } catch {
      return false;
    }
  }

  async function regenerate(messageId: string): Promise<boolean> {
    reset();
    try {
      await regenerateReply.mutateAsync({ messageId, ...(model ? { model } : {}) });
      return true;
    } catch {
      return false;
    }
  }

  const error = createSession.error ?? sendMessage.error ?? regenerateReply.error;
  return {
    send,
    regenerate,
    ensureChat,
    /** Forgets the last failure, e.g. when switching chats. */
    reset,
    pending: createSession.isPending || sendMessage.isPending || regenerateReply.isPending,
    error: error ? describeError(error) : null,
  };
}
