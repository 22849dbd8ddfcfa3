import type { ChatMessage, ChatThread } from "./trpc.ts";

/** Adds messages the server just created to a cached thread, once each, keeping oldest first. */
export function appendMessages(thread: ChatThread | undefined, messages: ChatMessage[]): ChatThread {
  const existing = thread?.messages ?? [];
  const known = new Set(existing.map((message) => message.id));
  return { truncated: thread?.truncated ?? false, messages: [...existing, ...messages.filter((message) => !known.has(message.id))] };
}

export type MessagePatch = Partial<Pick<ChatMessage, "content" | "status" | "error" | "promptTokens" | "completionTokens">>;

export function patchMessage(thread: ChatThread | undefined, messageId: string, patch: MessagePatch): ChatThread | undefined {
  if (!thread) return thread;
  return { ...thread, messages: thread.messages.map((message) => (message.id === messageId ? { ...message, ...patch } : message)) };
}
