import type { PromptMessage, TokenCounter } from "./ports.ts";

/** Says where text was cut, so the model never reads a clipped message as whole. */
export function middleCutMarker(removedTokens: number): string {
  return `\n[… about ${removedTokens} tokens cut here to fit the model's context …]\n`;
}

/** Below this a message is not worth cutting further. */
const minimumKeptTokens = 48;
const maximumRounds = 12;

export interface FittedMessages {
  messages: PromptMessage[];
  /** Prompt order index and tokens removed, per message cut. */
  cuts: Array<{ index: number; removedTokens: number }>;
  totalTokens: number;
  fits: boolean;
}

/**
 * The last resort when even the minimum context (system prompt, last exchange, the new
 * message) is over budget, as with a long paste: cut the middle out of the largest
 * messages, keeping their beginning and end and marking the cut, until the prompt fits.
 * The first system message (instructions) is never cut.
 */
export function fitMessagesToBudget(
  messages: readonly PromptMessage[],
  counter: TokenCounter,
  budgetTokens: number,
  messageOverheadTokens: number,
): FittedMessages {
  const fitted = messages.map((message) => ({ ...message }));
  const tokens = fitted.map((message) => counter.count(message.content) + messageOverheadTokens);
  const removed = new Map<number, number>();
  const exhausted = new Set<number>();
  const total = (): number => tokens.reduce((sum, value) => sum + value, 0);

  for (let round = 0; round < maximumRounds && total() > budgetTokens; round += 1) {
    const excess = total() - budgetTokens;
    const largest = pickLargest(tokens, exhausted);
    if (largest === -1) break;
    const message = fitted[largest]!;
    const current = tokens[largest]! - messageOverheadTokens;
    const markerTokens = counter.count(middleCutMarker(current));
    const keepTokens = Math.max(minimumKeptTokens, current - excess - markerTokens);
    if (keepTokens >= current) {
      exhausted.add(largest);
      continue;
    }
    const original = message.content;
    message.content = cutMiddle(original, keepTokens / current);
    const removedHere = current - counter.count(message.content);
    message.content = insertMarker(message.content, removedHere + (removed.get(largest) ?? 0));
    tokens[largest] = counter.count(message.content) + messageOverheadTokens;
    removed.set(largest, (removed.get(largest) ?? 0) + removedHere);
  }
  const cuts = [...removed].filter(([, count]) => count > 0).map(([index, removedTokens]) => ({ index, removedTokens }));
  return { messages: fitted, cuts, totalTokens: total(), fits: total() <= budgetTokens };
}

/** The largest message that can still shrink (never the instructions at index 0). */
function pickLargest(tokens: readonly number[], exhausted: ReadonlySet<number>): number {
  let best = -1;
  for (let index = 1; index < tokens.length; index += 1) {
    const value = tokens[index]!;
    if (value <= minimumKeptTokens || exhausted.has(index)) continue;
    if (best === -1 || value > tokens[best]!) best = index;
  }
  return best;
}

const markerPlaceholder = "\u0000cut\u0000";

/** Keeps about `fraction` of the text: its first 60% and last 40%, cut at whitespace. */
function cutMiddle(text: string, fraction: number): string {
  const withoutMarker = text.replace(/\n\[… about \d+ tokens cut here to fit the model's context …\]\n/, markerPlaceholder);
  const [head, tail] = withoutMarker.includes(markerPlaceholder) ? withoutMarker.split(markerPlaceholder) as [string, string] : [withoutMarker, ""];
  const whole = tail === "" ? head : `${head}${tail}`;
  const keep = Math.max(0, Math.floor(whole.length * fraction));
  const headLength = Math.floor(keep * 0.6);
  const tailLength = keep - headLength;
  const start = whole.slice(0, headLength).replace(/\s+\S*$/, "");
  const end = tailLength > 0 ? whole.slice(whole.length - tailLength).replace(/^\S*\s+/, "") : "";
  return `${start}${markerPlaceholder}${end}`;
}

function insertMarker(text: string, removedTokens: number): string {
  return text.replace(markerPlaceholder, middleCutMarker(removedTokens));
}
