import type { ExtractedBlock } from "@recall/documents";

/**
 * Rebuilds structure from a PDF page's positioned text runs, which is all a PDF has: lines from
 * baselines, paragraphs from gaps between lines, headings from a font size clearly larger than
 * the body text. Pure, so it is tested without pdf.js.
 */

/** A text run as pdf.js's getTextContent gives it (the fields we use). */
export interface TextRun {
  str: string;
  /** [a, b, c, d, e, f]: e and f are the position, the scale of (c, d) the font size. */
  transform: number[];
  width: number;
  height: number;
  hasEOL?: boolean;
}

export interface Line {
  text: string;
  /** Baseline (PDF space: grows upwards). */
  y: number;
  x: number;
  /** The size of most of its characters. */
  size: number;
}

/** Headings are at least this much bigger than the body text. */
const headingRatio = 1.15;
/** A heading is a short line; anything longer is emphasised body text. */
const maxHeadingChars = 200;
/** A gap this much bigger than the usual line spacing starts a new paragraph. */
const paragraphGapRatio = 1.4;

const round = (size: number): number => Math.round(size * 2) / 2;

function runSize(run: TextRun): number {
  const [, , c = 0, d = 0] = run.transform;
  const scale = Math.hypot(c, d);
  return scale > 0 ? scale : run.height;
}

/** Runs in content order become lines: a new line when the baseline moves by more than half the font size. */
export function linesFromRuns(runs: readonly TextRun[]): Line[] {
  const lines: Line[] = [];
  let current: { parts: string[]; y: number; x: number; end: number; sizes: Map<number, number>; size: number } | null = null;
  const finish = (): void => {
    if (current === null) return;
    const text = current.parts.join("").replace(/\s+/g, " ").trim();
    if (text.length > 0) {
      let size = current.size;
      let most = -1;
      for (const [candidate, chars] of current.sizes) {
        if (chars > most) [size, most] = [candidate, chars];
      }
      lines.push({ text, y: current.y, x: current.x, size });
    }
    current = null;
  };
  for (const run of runs) {
    const size = runSize(run);
    const x = run.transform[4] ?? 0;
    const y = run.transform[5] ?? 0;
    if (run.str.length === 0) {
      if (run.hasEOL) finish();
      continue;
    }
    if (current !== null && Math.abs(y - current.y) > Math.max(size, current.size) * 0.5) finish();
    if (current === null) {
      current = { parts: [], y, x, end: x, sizes: new Map(), size };
    } else {
      // A visible gap between runs is a space the PDF did not write out.
      const gap = x - current.end;
      const previous = current.parts.at(-1) ?? "";
      if (gap > size * 0.15 && !/\s$/.test(previous) && !/^\s/.test(run.str)) current.parts.push(" ");
    }
    current.parts.push(run.str);
    current.end = x + run.width;
    const key = round(size);
    current.sizes.set(key, (current.sizes.get(key) ?? 0) + run.str.length);
    if (run.hasEOL) finish();
  }
  finish();
  return lines;
}

/** The font size most characters are set in. */
export function bodySize(lines: readonly Line[]): number | null {
  const chars = new Map<number, number>();
  for (const line of lines) chars.set(line.size, (chars.get(line.size) ?? 0) + line.text.length);
  let best: number | null = null;
  let most = -1;
  for (const [size, count] of chars) {
    if (count > most || (count === most && best !== null && size < best)) [best, most] = [size, count];
  }
  return best;
}

export function isHeadingLine(line: Line, body: number): boolean {
  return line.size >= body * headingRatio && line.text.length <= maxHeadingChars;
}

/**
 * Heading sizes ranked across the document: the largest is level 1, and so on up to 6, so the
 * same size is the same level on every page.
 */
export function headingLevels(pages: ReadonlyArray<{ lines: readonly Line[]; body: number }>): Map<number, number> {
  const sizes = new Set<number>();
  for (const { lines, body } of pages) {
    for (const line of lines) if (isHeadingLine(line, body)) sizes.add(line.size);
  }
  const ranked = [...sizes].sort((left, right) => right - left);
  return new Map(ranked.map((size, index) => [size, Math.min(6, index + 1)]));
}

/** One page's lines as blocks: headings, and paragraphs split where lines are further apart than usual. */
export function blocksFromLines(lines: readonly Line[], body: number, levels: ReadonlyMap<number, number>): ExtractedBlock[] {
  const spacing = usualSpacing(lines, body);
  const blocks: ExtractedBlock[] = [];
  let open: { kind: ExtractedBlock["kind"]; parts: string[]; size: number; lastY: number } | null = null;
  const flush = (): void => {
    if (open === null) return;
    const text = joinLines(open.parts);
    if (text.length > 0) blocks.push(open.kind === "heading" ? { kind: "heading", text, level: levels.get(open.size) ?? 1 } : { kind: open.kind, text });
    open = null;
  };
  for (const line of lines) {
    const heading = isHeadingLine(line, body);
    if (open !== null) {
      const gap = open.lastY - line.y;
      const continues = heading
        ? open.kind === "heading" && open.size === line.size && gap > 0 && gap <= line.size * 1.6
        : open.kind !== "heading" && open.size === line.size && gap > 0 && gap <= spacing * paragraphGapRatio && !startsListItem(line.text);
      if (!continues) flush();
    }
    if (open === null) open = { kind: heading ? "heading" : startsListItem(line.text) ? "list" : "paragraph", parts: [], size: line.size, lastY: line.y };
    open.parts.push(line.text);
    open.lastY = line.y;
  }
  flush();
  return blocks;
}

/** The most common distance between consecutive body lines, or 1.2 × the body size when there is none. */
function usualSpacing(lines: readonly Line[], body: number): number {
  const gaps = new Map<number, number>();
  for (let index = 1; index < lines.length; index++) {
    const previous = lines[index - 1]!;
    const line = lines[index]!;
    const gap = round(previous.y - line.y);
    if (line.size === body && previous.size === body && gap > 0 && gap < body * 3) gaps.set(gap, (gaps.get(gap) ?? 0) + 1);
  }
  let best = body * 1.2;
  let most = 0;
  for (const [gap, count] of gaps) {
    if (count > most || (count === most && gap < best)) [best, most] = [gap, count];
  }
  return best;
}

function startsListItem(text: string): boolean {
  return /^(?:[•▪◦‣∙·\-–*]|\d{1,3}[.)])\s/.test(text);
}

/** Lines of one block, with a word broken by a hyphen at a line end joined again. */
function joinLines(parts: readonly string[]): string {
  let text = "";
  for (const part of parts) {
    if (text.length === 0) text = part;
    else if (/[a-z]-$/.test(text) && /^[a-z]/.test(part)) text = `${text.slice(0, -1)}${part}`;
    else text = `${text} ${part}`;
  }
  return text.trim();
}
