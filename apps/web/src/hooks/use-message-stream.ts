import { useQueryClient } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { useEffect, useReducer } from "react";
import { describeError } from "../error-message.ts";
import { patchMessage } from "../message-cache.ts";
import { applyStreamEvent, initialLiveMessage, isFinished } from "../stream/stream-state.ts";
import type { InterruptReason } from "../stream/stream-state.ts";
import { threadInput, useTRPC } from "../trpc.ts";
import type { ChatMessage } from "../trpc.ts";

export interface ShownMessage {
  content: string;
  status: ChatMessage["status"];
  error: string | null;
  interruptReason: InterruptReason | null;
  /** Replies ahead of this one in the model queue, as the stream last said; null when it is not waiting (or not known). */
  queuedAhead: number | null;
}

export type StreamConnection =
  | { state: "none" }
  | { state: "live" }
  | { state: "reconnecting"; problem: string | null }
  | { state: "lost"; problem: string; retry: () => void }
  /** The server closed the stream without a final event: the row says streaming but nothing is. */
  | { state: "ended"; retry: () => void };

/**
 * Live text for one assistant message. Deltas go to this component's reducer, not the query
 * cache: a token then re-renders one message instead of the list, and a message.list refetch
 * mid-stream (focus, invalidation) cannot race with appends. The final state is written into
 * the cache once, so the rest of the app (the Stop button) sees the message end at once.
 */
export function useMessageStream(message: ChatMessage): { shown: ShownMessage; connection: StreamConnection } {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [live, dispatch] = useReducer(applyStreamEvent, initialLiveMessage);
  const rowStreaming = message.role === "assistant" && message.status === "streaming";
  const wanted = rowStreaming && !isFinished(live);

  // No lastEventId here: a fresh subscription (page reload) replays from the start, and the
  // link itself adds lastEventId when it reconnects an interrupted one.
  const subscription = useSubscription(
    trpc.message.stream.subscriptionOptions({ messageId: message.id }, { enabled: wanted, onData: (event) => dispatch(event) }),
  );

  const finished = live.received && isFinished(live);
  useEffect(() => {
    if (!finished || !rowStreaming) return;
    const key = trpc.message.thread.queryKey(threadInput(message.sessionId));
    queryClient.setQueryData(key, (thread) =>
      patchMessage(thread, message.id, {
        content: live.content,
        status: live.status,
        ...(live.error === null ? {} : { error: live.error }),
        ...(live.status === "complete" ? { promptTokens: live.promptTokens, completionTokens: live.completionTokens } : {}),
      }),
    );
    // The stored row may carry more than the stream did (the error text after a snapshot).
    void queryClient.invalidateQueries({ queryKey: key });
  }, [finished, rowStreaming, live, message.id, message.sessionId, queryClient, trpc]);

  const preferLive = rowStreaming && live.received;
  const shown: ShownMessage = {
    content: preferLive ? live.content : message.content,
    status: preferLive ? live.status : message.status,
    error: preferLive ? (live.error ?? message.error) : message.error,
    interruptReason: live.interruptReason,
    queuedAhead: preferLive ? live.queuedAhead : null,
  };
  return { shown, connection: describeConnection(wanted, subscription) };
}

function describeConnection(
  wanted: boolean,
  subscription: { status: string; error: unknown; reset: () => void },
): StreamConnection {
  if (!wanted) return { state: "none" };
  if (subscription.status === "error") {
    return { state: "lost", problem: describeError(subscription.error), retry: subscription.reset };
  }
  if (subscription.status === "idle") return { state: "ended", retry: subscription.reset };
  if (subscription.status === "connecting" && subscription.error) {
    return { state: "reconnecting", problem: describeError(subscription.error) };
  }
  return { state: "live" };
}
