import { useCallback, useSyncExternalStore } from "react";
import type { BranchChoices } from "../thread/branches.ts";

/**
 * Which version the reader picked at each fork, per chat, for as long as the page lives:
 * switching chats and back keeps them. A new version (regenerate, edit) is picked by
 * whoever creates it.
 */
const choicesByChat = new Map<string, ReadonlyMap<string, string>>();
const listeners = new Set<() => void>();
const none: BranchChoices = new Map();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function chooseVersion(chatId: string, parentKey: string, messageId: string): void {
  const next = new Map(choicesByChat.get(chatId));
  next.set(parentKey, messageId);
  choicesByChat.set(chatId, next);
  for (const listener of listeners) listener();
}

export function useBranchChoices(chatId: string | null): [BranchChoices, (parentKey: string, messageId: string) => void] {
  const choices = useSyncExternalStore(subscribe, () => (chatId ? (choicesByChat.get(chatId) ?? none) : none));
  const choose = useCallback((parentKey: string, messageId: string) => chatId && chooseVersion(chatId, parentKey, messageId), [chatId]);
  return [choices, choose];
}
