/**
 * A runner's slots and their prompt (KV) cache, after Ollama's Go runners
 * (runner/ollamarunner/cache.go and runner/llamarunner/cache.go, `InputCache`).
 * Each slot holds the token sequence its KV cache holds; a request reuses the
 * longest common prefix and evaluates only the rest.
 */

export interface Slot {
  id: number;
  /** The tokens in this slot's KV cache (`InputCacheSlot.Inputs`). */
  tokens: number[];
  /** A request is using it in real time (`InputCacheSlot.InUse`). */
  inUse: boolean;
  /** Simulated ms of the last LoadCacheSlot on it (`lastUsed`); -Infinity when never used. */
  lastUsed: number;
  /** Simulated ms when its last request ended: it is busy until then. */
  freeAt: number;
}

export interface SlotChoice {
  slot: Slot;
  /** Prompt tokens taken from the cache (`numPast`), after the one-token rule. */
  cached: number;
  /** The common prefix with the chosen slot before the one-token rule, and that slot's length then (for `omit-when-cached`). */
  commonPrefix: number;
  slotLength: number;
}

export function createSlots(count: number, freeAt: number): Slot[] {
  return Array.from({ length: count }, (_, id) => ({ id, tokens: [], inUse: false, lastUsed: -Infinity, freeAt }));
}

/** `countCommonPrefix`. */
export function countCommonPrefix(left: readonly number[], right: readonly number[]): number {
  const limit = Math.min(left.length, right.length);
  let count = 0;
  while (count < limit && left[count] === right[count]) count++;
  return count;
}

/** `findLongestCacheSlot`: the free slot with the longest common prefix; ties go to the lowest slot id. */
function findLongestCacheSlot(slots: Slot[], available: (slot: Slot) => boolean, prompt: number[]) {
  let longest = -1;
  let longestSlot: Slot | undefined;
  for (const slot of slots) {
    if (!available(slot)) continue;
    const count = countCommonPrefix(slot.tokens, prompt);
    if (count > longest) {
      longest = count;
      longestSlot = slot;
    }
  }
  if (!longestSlot) throw new Error("no available cache slots");
  return { slot: longestSlot, longest };
}

/**
 * `findBestCacheSlot` (OLLAMA_MULTIUSER_CACHE): a free slot whose whole content is a
 * prefix of the prompt, else the least recently used free slot, into which the longest
 * matching prefix of any slot (even a busy one) is copied (`CopyPrefix`, "forking").
 */
function findBestCacheSlot(slots: Slot[], available: (slot: Slot) => boolean, prompt: number[]) {
  let oldest = Infinity;
  let oldestSlot: Slot | undefined;
  let longest = -1;
  let longestSlot: Slot | undefined;
  for (const slot of slots) {
    const count = countCommonPrefix(slot.tokens, prompt);
    if (count > longest) {
      longest = count;
      longestSlot = slot;
    }
    if (slot.lastUsed < oldest && available(slot)) {
      oldest = slot.lastUsed;
      oldestSlot = slot;
    }
  }
  if (longestSlot && longest === longestSlot.tokens.length && available(longestSlot)) return { slot: longestSlot, longest };
  if (!oldestSlot) throw new Error("no available cache slots");
  if (longest > 0 && longestSlot && longestSlot !== oldestSlot) oldestSlot.tokens = longestSlot.tokens.slice(0, longest);
  return { slot: oldestSlot, longest: Math.max(0, longest) };
}

/**
 * `LoadCacheSlot`: picks a slot, keeps the common prefix, and always leaves at least one
 * prompt token to evaluate ("Leave one input to sample so we can get a response"), so a
 * prompt that is entirely cached still costs one token. `cachePrompt` false (embeddings)
 * reuses nothing.
 */
export function loadCacheSlot(
  slots: Slot[],
  available: (slot: Slot) => boolean,
  prompt: number[],
  options: { multiUserCache: boolean; cachePrompt: boolean; now: number },
): SlotChoice {
  const found = options.multiUserCache ? findBestCacheSlot(slots, available, prompt) : findLongestCacheSlot(slots, available, prompt);
  const { slot } = found;
  const slotLength = slot.tokens.length;
  const commonPrefix = options.cachePrompt ? found.longest : 0;
  let cached = commonPrefix;
  slot.inUse = true;
  slot.lastUsed = options.now;
  if (cached === prompt.length && cached > 0) cached--;
  slot.tokens = prompt.slice(0, cached);
  return { slot, cached, commonPrefix, slotLength };
}

/**
 * Appends generated tokens to a slot's prompt, shifting like `ShiftCacheSlot` when the
 * slot's num_ctx is full: keep `numKeep` tokens, drop half of the rest (`ShiftDiscard`).
 * With shift off the generation stopped before the context filled, so no shift happens.
 */
export function appendWithShift(prompt: readonly number[], generated: readonly number[], numCtx: number, numKeep: number): number[] {
  const tokens = [...prompt];
  const keep = Math.max(0, Math.min(numKeep, numCtx - 1));
  const discard = Math.max(Math.floor((numCtx - keep) / 2), 1);
  for (const token of generated) {
    if (tokens.length >= numCtx) tokens.splice(keep, discard);
    tokens.push(token);
  }
  return tokens;
}
