import type { MemoryMessage, PromptMessage } from "./ports.ts";

export interface WorkingBufferOptions {
  /** How many of the most recent messages to keep verbatim. */
  size: number;
}

/**
 * The last K messages of the conversation, verbatim and in order. Messages that are
 * still empty (an assistant reply that failed before its first token) are skipped:
 * sending an empty assistant turn confuses models.
 */
export function selectWorkingBuffer<T extends MemoryMessage>(history: readonly T[], options: WorkingBufferOptions): T[] {
  if (!Number.isInteger(options.size) || options.size < 1) {
    throw new RangeError(`The working buffer keeps at least one message; got ${options.size}.`);
  }
  // Walk back from the newest: the cost follows K, not the length of the chat.
  const buffer: T[] = [];
  for (let index = history.length - 1; index >= 0 && buffer.length < options.size; index -= 1) {
    const message = history[index]!;
    if (message.content.trim().length > 0) buffer.push(message);
  }
  return buffer.reverse();
}

export interface AssembleInput {
  systemPrompt: string;
  history: readonly MemoryMessage[];
  userMessage: string;
  bufferSize: number;
}

export interface AssembledContext {
  messages: PromptMessage[];
  /** Ids of the history messages the buffer drew on, oldest first. */
  bufferMessageIds: string[];
}

/** The skeleton assembly: system prompt, working buffer, the user's message. The memory issue adds the other layers. */
export function assembleContext(input: AssembleInput): AssembledContext {
  const buffer = selectWorkingBuffer(input.history, { size: input.bufferSize });
  const messages: PromptMessage[] = [];
  if (input.systemPrompt.trim().length > 0) messages.push({ role: "system", content: input.systemPrompt });
  for (const message of buffer) messages.push({ role: message.role, content: message.content });
  messages.push({ role: "user", content: input.userMessage });
  return { messages, bufferMessageIds: buffer.map((message) => message.id) };
}
