import { splitSentences, splitWords } from "@recall/memory";
import type { DocumentChunk, ExtractedBlock, ExtractedDocument } from "./types.ts";

/**
 * Cuts an extracted document into passages for the index: by structure first (a section
 * starts at each heading), then by size. Small models read a few passages at a time, so a
 * passage is about one screenful (800 characters) and never more than 1,000.
 */
export interface ChunkOptions {
  /** A chunk closes once it reaches this many characters. Default 800. */
  targetChars?: number;
  /** No chunk is longer than this. Default (and highest allowed) 1,000. */
  maxChars?: number;
  /** Whole trailing sentences, up to this many characters, start the next chunk of the same section. Default 120. */
  overlapChars?: number;
}

export const defaultChunkOptions: Readonly<Required<ChunkOptions>> = { targetChars: 800, maxChars: 1_000, overlapChars: 120 };

/** What the index and the prompt can take: a longer chunk crowds out other passages. */
export const hardMaxChunkChars = 1_000;
/** A heading longer than this is an extraction artifact (a paragraph set in bold): clipped in chunk text and section paths. */
const headingClipChars = 160;

/** A piece of text that is never cut further when chunks are assembled. */
interface Piece {
  text: string;
  page: number;
  /** The block it came from: pieces of one block join with `joinAfter`, different blocks with a blank line. */
  block: number;
  joinAfter: " " | "\n";
  kind: "heading" | "text" | "table";
  /** Heading level, for headings. */
  level?: number;
  /** Carried from the previous chunk as overlap (not new content). */
  overlap?: true;
}

interface PendingChunk {
  pieces: Piece[];
  section: string | null;
}

interface Settings {
  targetChars: number;
  maxChars: number;
  overlapChars: number;
}

/**
 * The chunks of a document in reading order, ordinals 0..n-1, none empty. Each chunk lies in one
 * section; the first chunk of a section starts with its heading (and any empty parent headings)
 * so a search for a section's title finds it. Deterministic: the same document and options
 * always give the same chunks.
 */
export function chunkDocument(document: ExtractedDocument, options: ChunkOptions = {}): DocumentChunk[] {
  const settings = resolveSettings(options);
  const builder = new ChunkBuilder(settings);
  let blockId = 0;
  for (const page of document.pages) {
    for (const block of page.blocks) {
      blockId += 1;
      if (block.kind === "heading") builder.heading(block, page.number, blockId);
      else builder.content(blockPieces(block, page.number, blockId, settings));
    }
  }
  builder.finishSection();
  return builder.chunks.map((chunk, ordinal) => {
    const pages = chunk.pieces.map((piece) => piece.page);
    return {
      ordinal,
      text: joinPieces(chunk.pieces),
      pageStart: Math.min(...pages),
      pageEnd: Math.max(...pages),
      section: chunk.section,
    };
  });
}

function resolveSettings(options: ChunkOptions): Settings {
  const settings = { ...defaultChunkOptions, ...stripUndefined(options) };
  const { targetChars, maxChars, overlapChars } = settings;
  if (!Number.isInteger(maxChars) || maxChars < 200 || maxChars > hardMaxChunkChars) {
    throw new RangeError(`A chunk holds 200 to ${hardMaxChunkChars} characters at most; got maxChars ${maxChars}.`);
  }
  if (!Number.isInteger(targetChars) || targetChars < 100 || targetChars > maxChars - headingClipChars) {
    throw new RangeError(`targetChars must be between 100 and maxChars - ${headingClipChars} (${maxChars - headingClipChars}); got ${targetChars}.`);
  }
  if (!Number.isInteger(overlapChars) || overlapChars < 0 || overlapChars > targetChars / 2) {
    throw new RangeError(`overlapChars must be between 0 and half of targetChars; got ${overlapChars}.`);
  }
  return settings;
}

function stripUndefined(options: ChunkOptions): ChunkOptions {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}

class ChunkBuilder {
  readonly chunks: PendingChunk[] = [];
  readonly #settings: Settings;
  /** Open headings, outermost first. */
  #headings: Array<{ level: number; text: string }> = [];
  /** The chunk being filled: headings and overlap ("glue") and content pieces. */
  #current: Piece[] = [];
  /** Index in `chunks` of this section's first chunk. */
  #sectionStart = 0;

  constructor(settings: Settings) {
    this.#settings = settings;
  }

  heading(block: ExtractedBlock, page: number, blockId: number): void {
    const text = clip(normaliseSpaces(block.text), headingClipChars);
    if (text.length === 0) return;
    const level = block.level ?? 1;
    const unwritten = this.finishSection();
    this.#headings = this.#headings.filter((heading) => heading.level < level);
    this.#headings.push({ level, text });
    // A parent heading with no text of its own before this one still titles what follows.
    const parents = unwritten.filter((piece) => (piece.level ?? 1) < level);
    this.#current = [...parents, { text, page, block: blockId, joinAfter: "\n", kind: "heading", level }];
  }

  content(pieces: Piece[]): void {
    const queue = [...pieces];
    const { maxChars, targetChars } = this.#settings;
    while (queue.length > 0) {
      const piece = queue.shift()!;
      if (hasContent(this.#current) && joinedLength([...this.#current, piece]) > maxChars) this.#flush(true);
      if (joinedLength([...this.#current, piece]) > maxChars) {
        this.#current = this.#current.filter((glue) => glue.overlap !== true);
        const room = maxChars - joinedLength([...this.#current, { ...piece, text: "" }]);
        if (piece.text.length > room) {
          queue.unshift(...resplit(piece, room));
          continue;
        }
      }
      this.#current.push(continuing(this.#current, piece));
      if (joinedLength(this.#current) >= targetChars) this.#flush(true);
    }
  }

  /** Closes the section: writes what is left and merges a tiny last chunk into the one before. Returns headings not yet written. */
  finishSection(): Piece[] {
    const unwritten = hasContent(this.#current) ? [] : this.#current.filter((piece) => piece.kind === "heading");
    if (hasContent(this.#current)) this.#flush(false);
    this.#current = [];
    this.#mergeTinyLast();
    this.#sectionStart = this.chunks.length;
    return unwritten;
  }

  get #section(): string | null {
    return this.#headings.length === 0 ? null : this.#headings.map((heading) => heading.text).join(" > ");
  }

  #flush(carryOverlap: boolean): void {
    const pieces = this.#current;
    this.chunks.push({ pieces, section: this.#section });
    this.#current = carryOverlap ? overlapFrom(pieces, this.#settings.overlapChars) : [];
  }

  #mergeTinyLast(): void {
    const count = this.chunks.length - this.#sectionStart;
    if (count < 2) return;
    const last = this.chunks[this.chunks.length - 1]!;
    const previous = this.chunks[this.chunks.length - 2]!;
    const fresh = last.pieces.filter((piece) => piece.overlap !== true);
    if (joinedLength(fresh) >= tinyChunkChars(this.#settings)) return;
    const [first, ...rest] = fresh;
    if (first === undefined) return;
    const merged = [...previous.pieces, continuing(previous.pieces, first), ...rest];
    if (joinedLength(merged) > this.#settings.maxChars) return;
    previous.pieces = merged;
    this.chunks.pop();
  }
}

/** Rows of a split table that join the rows before them in one chunk, without repeating the header. */
function continuing(pieces: readonly Piece[], piece: Piece): Piece {
  const last = pieces.at(-1);
  if (piece.kind !== "table" || last?.kind !== "table" || last.block !== piece.block) return piece;
  return { ...piece, text: piece.text.slice(piece.text.indexOf("\n") + 1) };
}

/** A last chunk shorter than this says too little on its own to be worth a search hit. */
function tinyChunkChars(settings: Settings): number {
  return Math.max(80, Math.floor(settings.targetChars / 4));
}

function hasContent(pieces: readonly Piece[]): boolean {
  return pieces.some((piece) => piece.kind !== "heading" && piece.overlap !== true);
}

/** Whole trailing sentences of the chunk's last text pieces, at most `limit` characters; none after a table. */
function overlapFrom(pieces: readonly Piece[], limit: number): Piece[] {
  const carried: Piece[] = [];
  let length = 0;
  for (let index = pieces.length - 1; index >= 0; index -= 1) {
    const piece = pieces[index]!;
    if (piece.kind !== "text") break;
    const sentences = splitSentences(piece.text).map((sentence) => sentence.trim()).filter((sentence) => sentence.length > 0);
    for (let position = sentences.length - 1; position >= 0; position -= 1) {
      const sentence = sentences[position]!;
      const added = sentence.length + (carried.length > 0 ? 1 : 0);
      if (length + added > limit) return carried;
      length += added;
      carried.unshift({ text: sentence, page: piece.page, block: piece.block, joinAfter: " ", kind: "text", overlap: true });
    }
  }
  return carried;
}

/** The pieces of a content block: whole when it is small, else cut at sentences, list items or table rows. */
function blockPieces(block: ExtractedBlock, page: number, blockId: number, settings: Settings): Piece[] {
  if (block.kind === "table") {
    const rows = block.text.split("\n").map(normaliseSpaces).filter((row) => row.length > 0);
    if (rows.length === 0) return [];
    const table = rows.join("\n");
    const piece: Piece = { text: table, page, block: blockId, joinAfter: "\n", kind: "table" };
    return table.length <= settings.maxChars ? [piece] : splitTable(piece, settings.targetChars);
  }
  if (block.kind === "list") {
    const items = block.text.split("\n").map(normaliseSpaces).filter((item) => item.length > 0);
    const pieces: Piece[] = [];
    for (const item of items) {
      const parts = splitText(item, settings.targetChars);
      parts.forEach((text, index) => {
        pieces.push({ text, page, block: blockId, joinAfter: index === parts.length - 1 ? "\n" : " ", kind: "text" });
      });
    }
    const whole = joinPieces(pieces);
    if (pieces.length > 1 && whole.length <= settings.targetChars) return [{ text: whole, page, block: blockId, joinAfter: "\n", kind: "text" }];
    return pieces;
  }
  const text = normaliseSpaces(block.text);
  if (text.length === 0) return [];
  return splitText(text, settings.targetChars).map((part) => ({ text: part, page, block: blockId, joinAfter: " ", kind: "text" }));
}

/** A piece that does not fit the room left after a heading, cut smaller. */
function resplit(piece: Piece, room: number): Piece[] {
  if (piece.kind === "table") return splitTable(piece, room);
  return splitText(piece.text, room).map((text) => ({ ...piece, text }));
}

/**
 * Text cut into parts of at most `limit` characters: whole when it fits, else one part per
 * sentence (the chunk assembly packs them), a sentence longer than the limit cut between words
 * (and a "word" longer than that, such as a pasted hash, between characters).
 */
function splitText(text: string, limit: number): string[] {
  if (text.length <= limit) return [text];
  const parts: string[] = [];
  for (const sentence of splitSentences(text).map((unit) => unit.trim()).filter((unit) => unit.length > 0)) {
    if (sentence.length <= limit) {
      parts.push(sentence);
      continue;
    }
    let current = "";
    for (const word of splitWords(sentence).map((unit) => unit.trim())) {
      for (let start = 0; start < word.length; start += limit) {
        const slice = word.slice(start, start + limit);
        const candidate = current.length === 0 ? slice : `${current} ${slice}`;
        if (candidate.length <= limit) {
          current = candidate;
        } else {
          parts.push(current);
          current = slice;
        }
      }
    }
    if (current.length > 0) parts.push(current);
  }
  return parts;
}

/** A table too long for one chunk: groups of rows of at most `limit` characters, each led by the header row. */
function splitTable(piece: Piece, limit: number): Piece[] {
  const [header, ...rows] = piece.text.split("\n");
  if (header === undefined || rows.length === 0 || header.length > limit / 2) {
    return splitText(piece.text, limit).map((text) => ({ ...piece, text }));
  }
  const groups: string[] = [];
  let current: string[] = [];
  const groupLength = (candidate: readonly string[]): number => [header, ...candidate].join("\n").length;
  for (const row of rows) {
    // A row longer than a group can hold is cut at words, each part under the header.
    const rowParts = splitText(row, limit - header.length - 1);
    for (const part of rowParts) {
      if (current.length > 0 && groupLength([...current, part]) > limit) {
        groups.push([header, ...current].join("\n"));
        current = [];
      }
      current.push(part);
    }
  }
  if (current.length > 0) groups.push([header, ...current].join("\n"));
  return groups.map((text) => ({ ...piece, text }));
}

function joinPieces(pieces: readonly Piece[]): string {
  let text = "";
  pieces.forEach((piece, index) => {
    if (index > 0) {
      const previous = pieces[index - 1]!;
      text += previous.block === piece.block ? previous.joinAfter : previous.kind === "heading" ? "\n" : "\n\n";
    }
    text += piece.text;
  });
  return text;
}

function joinedLength(pieces: readonly Piece[]): number {
  return joinPieces(pieces).length;
}

function normaliseSpaces(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function clip(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1).trimEnd()}…`;
}
