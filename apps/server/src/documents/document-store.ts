import type { DocumentChunk, DocumentKind, DocumentRefusal, DocumentRefusalCode } from "@recall/documents";
import type { DocumentView, documentStages, documentStates } from "@recall/schema";
import { NotFoundError } from "../domain-errors.ts";

export type DocumentState = (typeof documentStates)[number];
export type DocumentStage = (typeof documentStages)[number];

/** A document as the stores hold it: the API's view plus its owner, the title and real dates. */
export interface DocumentRecord {
  id: string;
  userId: string;
  name: string;
  kind: DocumentKind | null;
  sizeBytes: number;
  pageCount: number | null;
  /** From the file's metadata or first heading; not shown in the API's view. */
  title: string | null;
  state: DocumentState;
  stage: DocumentStage | null;
  progress: number;
  error: DocumentRefusal | null;
  summary: string | null;
  chunkCount: number;
  kept: boolean;
  /** The owner's chats it is in, oldest attachment first. */
  sessionIds: string[];
  ephemeral: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** A saved passage with the name of its document (citations show it); a `PassageView` as it is. */
export interface StoredChunk extends DocumentChunk {
  chunkId: string;
  documentId: string;
  documentName: string;
}

export interface ChunkReadOptions {
  withText?: boolean;
}

export interface NewDocument {
  userId: string;
  /** The chat it is uploaded into, or null for the library alone (then it is created kept). */
  sessionId: string | null;
  name: string;
  sizeBytes: number;
}

export interface Extraction {
  kind: DocumentKind;
  title: string | null;
  pageCount: number;
  pages: Array<{ number: number; text: string }>;
  chunks: DocumentChunk[];
}

export interface ProgressUpdate {
  stage: DocumentStage;
  /** 0..1 over the whole processing. */
  progress: number;
  kind?: DocumentKind | undefined;
  pageCount?: number | undefined;
}

/**
 * Documents, their pages and their chunks, every read scoped to its owner. Implemented by the
 * saved store (database, text encrypted at rest), the temporary store (process memory, for
 * temporary chats) and the router between them. It holds no search index: the index rows of a
 * document are the document service's to delete when the store deletes the document.
 *
 * Owner checks: `get` answers null and `chunks` skips ids that are missing or another user's;
 * every other call with such an id (document or chat) throws NotFoundError. The background calls
 * (`setProgress`, `markReady`, `markFailed`) take the document id alone and answer false when the
 * document is gone (deleted while it was processed): the pipeline stops there.
 */
export interface DocumentStore {
  /** A `processing` document at stage `queued`, in the chat when one is given (NotFoundError if the chat is not the user's). */
  create(input: NewDocument): Promise<DocumentRecord>;
  get(userId: string, documentId: string): Promise<DocumentRecord | null>;
  /** The chat's documents, in the order they were added (an unknown or foreign chat has none). */
  listForChat(userId: string, sessionId: string): Promise<DocumentRecord[]>;
  /** Every saved document of the user, newest first. */
  listLibrary(userId: string): Promise<DocumentRecord[]>;
  /** Only while `processing`: a finished document keeps its final state. */
  setProgress(documentId: string, update: ProgressUpdate): Promise<boolean>;
  /**
   * The parser's pages and the chunker's chunks, replacing any saved before, with kind, title and
   * page count, in one transaction. Returns the chunk ids in ordinal order (the index keys on them).
   */
  saveExtraction(userId: string, documentId: string, extraction: Extraction): Promise<string[]>;
  /** `ready`, progress 1, no stage. */
  markReady(documentId: string): Promise<boolean>;
  /** `failed` with the refusal; its pages and chunks are deleted (a failed document holds no text). */
  markFailed(documentId: string, code: DocumentRefusalCode, message: string): Promise<boolean>;
  /** At start-up: documents left `processing` by a server that stopped can never finish (their bytes are gone). Returns how many. */
  failInterrupted(code: DocumentRefusalCode, message: string): Promise<number>;
  /** False when the document is gone. */
  setSummary(userId: string, documentId: string, summary: string): Promise<boolean>;
  /** Adds it to one more of the user's chats (again is a no-op). */
  attach(userId: string, documentId: string, sessionId: string): Promise<DocumentRecord>;
  /** Takes it out of the chat (not in it: a no-op). Deletes nothing: the caller decides from the answer. */
  detach(userId: string, documentId: string, sessionId: string): Promise<{ remainingAttachments: number; kept: boolean }>;
  setKept(userId: string, documentId: string, kept: boolean): Promise<DocumentRecord>;
  /** The document with its pages, chunks and attachments. */
  delete(userId: string, documentId: string): Promise<void>;
  /** The user's chunks with these ids, in the order given; missing or foreign ids are skipped. */
  /** `withText: false` leaves `text` empty (not read or decrypted): what a citation's label needs. */
  chunks(userId: string, chunkIds: readonly string[], options?: ChunkReadOptions): Promise<StoredChunk[]>;
  /** Every chunk of these documents (the user's only), by document in the order given, then ordinal. */
  chunksOfDocuments(userId: string, documentIds: readonly string[]): Promise<StoredChunk[]>;
  /** The extracted text page by page, in page order. */
  pages(userId: string, documentId: string): Promise<Array<{ number: number; text: string }>>;
  /** The chat's documents that retrieval searches (state `ready`). */
  readyDocumentIdsForChat(userId: string, sessionId: string): Promise<string[]>;
  /** What the user's documents take: uploaded bytes and how many. */
  usage(userId: string): Promise<{ bytes: number; count: number }>;
  /**
   * Documents that deleting this chat should delete: not kept and in no other chat. Asked once the
   * chat is gone (the lifecycle's hook runs after the delete), that is every unkept document of
   * the user in no chat at all: also one uploaded into the chat while it was being deleted.
   */
  documentsOnlyIn(userId: string, sessionId: string): Promise<string[]>;
  /** Deletes every document of the user; returns their ids (for the index rows). */
  deleteForUser(userId: string): Promise<string[]>;
}

export function documentNotFound(): NotFoundError {
  return new NotFoundError("That document does not exist or is not yours.");
}

export function toDocumentView(record: DocumentRecord): DocumentView {
  return {
    id: record.id,
    name: record.name,
    kind: record.kind,
    sizeBytes: record.sizeBytes,
    pageCount: record.pageCount,
    state: record.state,
    stage: record.stage,
    progress: record.progress,
    error: record.error,
    summary: record.summary,
    chunkCount: record.chunkCount,
    kept: record.kept,
    sessionIds: [...record.sessionIds],
    ephemeral: record.ephemeral,
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
  };
}
