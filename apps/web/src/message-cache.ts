import type { ChatMessage, MessagePage } from "./trpc.ts";

/** Adds messages the server just created to a cached page, once each, keeping oldest first. */
export function appendMessages(page: MessagePage | undefined, messages: ChatMessage[]): MessagePage {
  const items = page?.items ?? [];
  const known = new Set(items.map((item) => item.id));
  return { nextBefore: page?.nextBefore ?? null, items: [...items, ...messages.filter((message) => !known.has(message.id))] };
}

export type MessagePatch = Partial<Pick<ChatMessage, "content" | "status" | "error" | "promptTokens" | "completionTokens">>;

export function patchMessage(page: MessagePage | undefined, messageId: string, patch: MessagePatch): MessagePage | undefined {
  if (!page) return page;
  return { ...page, items: page.items.map((item) => (item.id === messageId ? { ...item, ...patch } : item)) };
}
