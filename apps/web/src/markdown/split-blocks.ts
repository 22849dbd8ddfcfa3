/**
 * Splits Markdown into top-level blocks that can be parsed one by one, so a streamed token
 * re-parses only the last block. It only splits where CommonMark would also end a block; when
 * unsure it keeps lines together (a bigger block costs time, a wrong split changes the output).
 */

export interface MarkdownBlock {
  /** The block's Markdown, without the blank lines around it. */
  source: string;
  /** Ends inside a code fence or a raw HTML block that is not closed yet (only ever the last block). */
  unclosed: "code" | "html" | null;
}

interface OpenFence {
  marker: "`" | "~";
  length: number;
}

// Indentation is ignored on purpose: a fence inside a list item is still a fence.
const fenceOpening = /^[ \t]*(`{3,}|~{3,})(.*)$/;
const listItem = /^ {0,3}(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)/;
// What a list marker looks like before its line is finished ("1" may become "1. ").
const unfinishedListItem = /^ {0,3}(?:[-+*]|\d{1,9}[.)]?)$/;

/** HTML block kinds 1–5 run past blank lines until their end marker (CommonMark 4.6). */
const rawHtmlBlocks: ReadonlyArray<{ start: RegExp; end: RegExp }> = [
  { start: /^[ \t]*<(?:script|pre|style|textarea)(?:[\s>]|$)/i, end: /<\/(?:script|pre|style|textarea)>/i },
  { start: /^[ \t]*<!--/, end: /-->/ },
  { start: /^[ \t]*<\?/, end: /\?>/ },
  { start: /^[ \t]*<![A-Za-z]/, end: />/ },
  { start: /^[ \t]*<!\[CDATA\[/, end: /\]\]>/ },
];

function isBlank(line: string): boolean {
  return /^[ \t\r]*$/.test(line);
}

function openFenceAt(line: string): OpenFence | null {
  const match = fenceOpening.exec(line);
  if (!match?.[1]) return null;
  const marker = match[1][0] === "`" ? "`" : "~";
  // A backtick fence's info string may not contain backticks (that is inline code).
  if (marker === "`" && match[2]?.includes("`")) return null;
  return { marker, length: match[1].length };
}

function closesFence(line: string, fence: OpenFence): boolean {
  const trimmed = line.trim();
  return trimmed.length >= fence.length && [...trimmed].every((character) => character === fence.marker);
}

/** The end marker of a raw HTML block that starts on this line and does not end on it. */
function openRawHtmlAt(line: string): RegExp | null {
  for (const kind of rawHtmlBlocks) {
    const start = kind.start.exec(line);
    if (start && !kind.end.test(line.slice(start[0].length))) return kind.end;
  }
  return null;
}

export function splitMarkdownBlocks(text: string): MarkdownBlock[] {
  const blocks: MarkdownBlock[] = [];
  const lines = text.split("\n");
  let current: string[] = [];
  let currentHasList = false;
  let blankLinesPending = 0;
  let fence: OpenFence | null = null;
  let rawHtmlEnd: RegExp | null = null;

  const finishBlock = () => {
    if (current.length > 0) blocks.push({ source: current.join("\n"), unclosed: null });
    current = [];
    currentHasList = false;
  };

  for (const [index, line] of lines.entries()) {
    const isLastLine = index === lines.length - 1;
    if (fence || rawHtmlEnd) {
      current.push(line);
      if (fence && closesFence(line, fence)) fence = null;
      else if (rawHtmlEnd?.test(line)) rawHtmlEnd = null;
      continue;
    }
    if (isBlank(line)) {
      if (current.length > 0) blankLinesPending += 1;
      continue;
    }
    if (blankLinesPending > 0) {
      const indented = /^[ \t]/.test(line);
      // Siblings of a loose list stay in its block; so does a line that may still become a list marker.
      const continuesList = currentHasList && (listItem.test(line) || (isLastLine && unfinishedListItem.test(line)));
      if (indented || continuesList) current.push(...Array<string>(blankLinesPending).fill(""));
      else finishBlock();
      blankLinesPending = 0;
    }
    current.push(line);
    if (listItem.test(line)) currentHasList = true;
    fence = openFenceAt(line);
    if (!fence) rawHtmlEnd = openRawHtmlAt(line);
  }

  if (current.length > 0) {
    blocks.push({ source: current.join("\n"), unclosed: fence ? "code" : rawHtmlEnd ? "html" : null });
  }
  return blocks;
}
