/**
 * The shapes every part of the documents feature agrees on: what a parser extracts, what the
 * chunker cuts it into, what retrieval returns. No I/O and nothing of ours but @recall/memory.
 */

/** What decided the type: the bytes (magic numbers, zip entries), never the name or the declared type. */
export type DocumentKind = "pdf" | "docx" | "text" | "markdown";

/** A structural block of extracted text, in reading order. */
export interface ExtractedBlock {
  kind: "heading" | "paragraph" | "table" | "list";
  /** Plain text; a table is rows joined by newlines, cells by " | ". */
  text: string;
  /** Heading level 1-6 for headings; absent otherwise. */
  level?: number;
}

export interface ExtractedPage {
  /** 1-based page number for PDFs; DOCX, text and Markdown have one logical page, number 1. */
  number: number;
  blocks: ExtractedBlock[];
}

export interface ExtractedDocument {
  kind: DocumentKind;
  /** Title from metadata or the first heading, when there is one. */
  title: string | null;
  /** Pages as the file has them (a PDF's real page count; 1 for the rest). */
  pageCount: number;
  pages: ExtractedPage[];
}

/** Why a file was refused: each has a message a person can act on (`refusalMessages`). */
export type DocumentRefusalCode =
  | "too_large"
  | "unsupported_type"
  | "encrypted"
  | "corrupt"
  | "no_text"
  | "too_many_pages"
  | "zip_bomb"
  | "too_slow"
  | "too_much_memory"
  | "empty"
  | "quota"
  | "too_many_documents";

export interface DocumentRefusal {
  code: DocumentRefusalCode;
  /** For the user, in words: what was wrong and what to do. */
  message: string;
}

/** A passage the index stores and retrieval returns: where it came from and its text. */
export interface DocumentChunk {
  /** 0-based position in the document. */
  ordinal: number;
  text: string;
  /** First and last page the chunk covers (1-based). */
  pageStart: number;
  pageEnd: number;
  /** The nearest heading above it ("Methods > Sampling"), or null. */
  section: string | null;
}
