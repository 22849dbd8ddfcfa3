import type { VirtualItem } from "@tanstack/react-virtual";

export interface ScrollMemory {
  /** Null: at the newest message, following new text as it streams. */
  offset: number | null;
  /** Row heights already measured, so the restored offset lands on the same text. */
  measurements: VirtualItem[];
}

/** Where the reader left each chat, for as long as the page lives: switching back restores it. */
const memories = new Map<string, ScrollMemory>();

export function rememberScroll(chatId: string, memory: Partial<ScrollMemory>): void {
  const previous = memories.get(chatId) ?? { offset: null, measurements: [] };
  memories.set(chatId, { ...previous, ...memory });
}

export function recalledScroll(chatId: string): ScrollMemory | null {
  return memories.get(chatId) ?? null;
}
