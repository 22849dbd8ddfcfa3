import { useMutation, useQueryClient } from "@tanstack/react-query";
import { describeError } from "../error-message.ts";
import { appendMessages } from "../message-cache.ts";
import { messageListInput, useTRPC } from "../trpc.ts";

interface SendMessageOptions {
  chatId: string | null;
  model: string | null;
  openChat: (chatId: string) => void;
}

/**
 * Sends a message, creating the chat first when none is open: "New chat" only clears the
 * screen, so abandoned empty chats never pile up in the sidebar.
 */
export function useSendMessage({ chatId, model, openChat }: SendMessageOptions) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const createSession = useMutation(
    trpc.session.create.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.session.list.pathFilter()),
    }),
  );
  const sendMessage = useMutation(
    trpc.message.send.mutationOptions({
      onSuccess: async ({ userMessage, assistantMessage }) => {
        const filter = { queryKey: trpc.message.list.queryKey(messageListInput(userMessage.sessionId)) };
        // A fetch of the chat started before the send would overwrite the new messages.
        await queryClient.cancelQueries(filter);
        queryClient.setQueryData(filter.queryKey, (page) => appendMessages(page, [userMessage, assistantMessage]));
        void queryClient.invalidateQueries(filter);
        // The first message titles the chat and every message moves it to the top.
        void queryClient.invalidateQueries(trpc.session.list.pathFilter());
      },
    }),
  );

  function reset() {
    createSession.reset();
    sendMessage.reset();
  }

  async function send(content: string): Promise<boolean> {
    reset();
    try {
      let sessionId = chatId;
      if (!sessionId) {
        const session = await createSession.mutateAsync(model ? { model } : {});
        sessionId = session.id;
        // Open it before sending, so a failed send is retried in this chat rather than a new one.
        openChat(sessionId);
      }
      await sendMessage.mutateAsync({ sessionId, content, ...(model ? { model } : {}) });
      return true;
    } catch {
      return false;
    }
  }

  const error = createSession.error ?? sendMessage.error;
  return {
    send,
    /** Forgets the last failure, e.g. when switching chats. */
    reset,
    pending: createSession.isPending || sendMessage.isPending,
    error: error ? describeError(error) : null,
  };
}
