import { useSyncExternalStore } from "react";

/**
 * The open chat lives in the URL (`?chat=<id>`), so a reload lands on the same chat and
 * resumes its stream. A query parameter rather than a path needs no SPA fallback on the server.
 */
const chatParameter = "chat";
const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener("popstate", listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener("popstate", listener);
  };
}

export function readChatId(): string | null {
  return new URLSearchParams(window.location.search).get(chatParameter) || null;
}

export function writeChatId(chatId: string | null): void {
  if (chatId === readChatId()) return;
  const url = new URL(window.location.href);
  if (chatId) url.searchParams.set(chatParameter, chatId);
  else url.searchParams.delete(chatParameter);
  window.history.pushState(null, "", url);
  for (const listener of listeners) listener();
}

export function useChatLocation(): [chatId: string | null, openChat: (chatId: string | null) => void] {
  return [useSyncExternalStore(subscribe, readChatId), writeChatId];
}
