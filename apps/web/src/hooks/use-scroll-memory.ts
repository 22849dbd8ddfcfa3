/**
 * Where the reader left each chat, for as long as the page lives: switching back restores it.
 * `null` offset means "at the newest message", which follows new text as it streams.
 */
const offsets = new Map<string, number | null>();

export function rememberScroll(chatId: string, offset: number | null): void {
  offsets.set(chatId, offset);
}

export function recalledScroll(chatId: string): number | null {
  return offsets.get(chatId) ?? null;
}
