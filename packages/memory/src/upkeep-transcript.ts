import type { TokenCounter } from "./ports.ts";

/**
 * What the background upkeep calls (running summary, episodes) share: a transcript of chat
 * messages that fits the model's context, and the split of that context between the prompt
 * and the answer.
 */

/** A chat message as an upkeep prompt quotes it. */
export interface TranscriptMessage {
  id: string;
  role: "user" | "assistant";
  content: string;
}

export interface TranscriptOptions {
  /** Each message is cut to this many characters first: a pasted wall of text must not crowd out the rest. */
  maxCharactersPerMessage: number;
  /** Tokens the transcript text may use. */
  budgetTokens: number;
  /**
   * When even `minimumTokensPerMessage` each does not fit, which end is left out: the oldest
   * messages (an episode keeps the end of the chat) or the newest (a summary update covers
   * fewer messages; the next update takes the rest).
   */
  overflow: "drop-oldest" | "drop-newest";
  /** A message is never clipped below this (default 32 tokens). */
  minimumTokensPerMessage?: number;
}

export interface FittedTranscript {
  /** `User: …` / `Assistant: …` paragraphs, oldest first. */
  text: string;
  /** The messages quoted, oldest first: a contiguous run of the input. */
  included: TranscriptMessage[];
  /** How many quoted messages were clipped to fit the token budget (the character limit not counted). */
  clippedMessages: number;
  tokens: number;
  fits: boolean;
}

/** Marks a clipped message, so the model does not take the cut for the end of it. */
export const clippedMarker = " […]";
const separator = "\n\n";
const defaultMinimumTokens = 32;

export function transcriptLine(message: TranscriptMessage, maxCharacters: number): string {
  const label = message.role === "user" ? "User" : "Assistant";
  const content = message.content.length > maxCharacters ? `${cutAtWord(message.content, maxCharacters)}${clippedMarker}` : message.content;
  return `${label}: ${content}`;
}

/**
 * The transcript of `messages` under a token budget. Over budget, the longest messages are
 * clipped first, all to one common length (older ones a little harder where rounding leaves
 * a choice), keeping each message's beginning; only when even a minimum per message does not
 * fit are messages left out, from the end `overflow` names. Always quotes at least one message.
 */
export function fitTranscript(messages: readonly TranscriptMessage[], counter: TokenCounter, options: TranscriptOptions): FittedTranscript {
  const minimum = Math.max(1, options.minimumTokensPerMessage ?? defaultMinimumTokens);
  const separatorTokens = Math.max(1, counter.count(separator));
  const included = [...messages];
  const lines = included.map((message) => transcriptLine(message, options.maxCharactersPerMessage));
  const tokens = lines.map((line) => counter.count(line));
  const costOf = (values: readonly number[], cap: number): number =>
    values.reduce((sum, value) => sum + Math.min(value, cap), 0) + Math.max(0, values.length - 1) * separatorTokens;

  // Leave out messages while even the minimum per message is over budget.
  while (included.length > 1 && costOf(tokens, minimum) > options.budgetTokens) {
    const drop = options.overflow === "drop-oldest" ? 0 : included.length - 1;
    included.splice(drop, 1);
    lines.splice(drop, 1);
    tokens.splice(drop, 1);
  }

  let budget = options.budgetTokens;
  let clipped = new Set<number>();
  let fittedLines = lines;
  for (let round = 0; round < 4; round += 1) {
    ({ lines: fittedLines, clipped } = waterFill(lines, tokens, budget, minimum, separatorTokens, counter));
    const total = counter.count(fittedLines.join(separator));
    // Counting the joined text can differ a little from the sum of its parts: tighten and try again.
    if (total <= options.budgetTokens) break;
    budget -= total - options.budgetTokens;
    if (budget < 1) break;
  }
  const text = fittedLines.join(separator);
  const total = counter.count(text);
  return { text, included, clippedMessages: clipped.size, tokens: total, fits: total <= options.budgetTokens };
}

/** Clips the longest lines to the largest common cap that fits; leftover tokens go to the newest clipped lines. */
function waterFill(
  lines: readonly string[],
  tokens: readonly number[],
  budget: number,
  minimum: number,
  separatorTokens: number,
  counter: TokenCounter,
): { lines: string[]; clipped: Set<number> } {
  const separators = Math.max(0, lines.length - 1) * separatorTokens;
  const cost = (cap: number): number => tokens.reduce((sum, value) => sum + Math.min(value, cap), 0) + separators;
  const longest = Math.max(0, ...tokens);
  if (cost(longest) <= budget) return { lines: [...lines], clipped: new Set() };
  let low = minimum;
  let high = longest;
  // The largest cap whose cost fits (at least the minimum, even if that does not fit).
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (cost(middle) <= budget) low = middle;
    else high = middle - 1;
  }
  const cap = low;
  const caps = tokens.map((value) => Math.min(value, cap));
  let slack = budget - cost(cap);
  for (let index = tokens.length - 1; index >= 0 && slack > 0; index -= 1) {
    const room = tokens[index]! - caps[index]!;
    if (room <= 0) continue;
    const extra = Math.min(room, slack);
    caps[index]! += extra;
    slack -= extra;
  }
  const clipped = new Set<number>();
  const fitted = lines.map((line, index) => {
    if (caps[index]! >= tokens[index]!) return line;
    clipped.add(index);
    return clipToTokens(line, tokens[index]!, caps[index]!, counter);
  });
  return { lines: fitted, clipped };
}

/** The beginning of a text within `cap` tokens (marker included), ended at a word and marked. Unchanged if it fits. */
export function clipTextToTokens(text: string, cap: number, counter: TokenCounter, marker: string = clippedMarker): string {
  const textTokens = counter.count(text);
  return textTokens <= cap ? text : clipToTokens(text, textTokens, cap, counter, marker);
}

function clipToTokens(line: string, lineTokens: number, cap: number, counter: TokenCounter, marker: string = clippedMarker): string {
  const markerTokens = counter.count(marker);
  const target = Math.max(1, cap - markerTokens);
  let characters = Math.floor((line.length * target) / lineTokens);
  let clipped = `${cutAtWord(line, characters)}${marker}`;
  for (let attempt = 0; attempt < 6; attempt += 1) {
    const count = counter.count(clipped);
    if (count <= cap || characters <= 1) break;
    characters = Math.max(1, Math.floor((characters * target) / Math.max(1, count - markerTokens)) - 1);
    clipped = `${cutAtWord(line, characters)}${marker}`;
  }
  return clipped;
}

/** The first `characters` of a text, ended at a word boundary when one is near. */
function cutAtWord(text: string, characters: number): string {
  if (text.length <= characters) return text;
  const cut = text.slice(0, characters);
  const lastSpace = cut.search(/\s\S*$/);
  return (lastSpace > characters * 0.8 ? cut.slice(0, lastSpace) : cut).trimEnd();
}

/** How an upkeep call splits the model's context between its prompt and its answer. */
export interface UpkeepBudget {
  /** Sent as `num_predict`: the answer's room, at most half the context. */
  maxTokens: number;
  /** What the prompt may use. */
  promptBudget: number;
}

export function planUpkeepBudget(numCtx: number, answerTokens: number): UpkeepBudget {
  const maxTokens = Math.max(1, Math.min(answerTokens, Math.floor(numCtx / 2)));
  return { maxTokens, promptBudget: Math.max(1, numCtx - maxTokens) };
}
