import { useSyncExternalStore } from "react";

/** Replies waiting for the model when they were sent: how many were ahead of each (by message id). */
const queuedAhead = new Map<string, number>();
const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** What send and regenerate answered: `ahead` replies wait before this one (null: it started at once). */
export function noteQueuedReply(messageId: string, ahead: number | null | undefined): void {
  if (ahead === null || ahead === undefined) return;
  queuedAhead.set(messageId, ahead);
  for (const listener of listeners) listener();
}

/** How many replies were ahead of this one when it was queued; null when it was not. */
export function useQueuedReply(messageId: string): number | null {
  return useSyncExternalStore(subscribe, () => queuedAhead.get(messageId) ?? null);
}

/** "Your reply is queued: 2 replies ahead of yours." */
export function describeQueuedReply(ahead: number): string {
  if (ahead === 0) return "Your reply is queued: it is next.";
  return `Your reply is queued: ${ahead} ${ahead === 1 ? "reply" : "replies"} ahead of yours.`;
}
