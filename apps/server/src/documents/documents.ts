import type { DocumentSources, DocumentView, PassageView } from "@recall/schema";

/**
 * Documents in chats, as the routers and the reply path see them (the port; `document-service.ts`
 * implements it over the saved store, the in-memory store for temporary chats, the index and
 * the parser). Every method takes the caller's user id and checks ownership: another user's id
 * is `NotFoundError`, as if it did not exist. Refusals are domain errors with a message a person
 * can act on (`PayloadTooLargeError`, `LimitExceededError`, `InvalidRequestError`).
 */
export interface Documents {
  /**
   * Takes the file, checks what can be checked at once (size, quota, count), saves a
   * `processing` document attached to the chat (or to no chat: the library) and returns it;
   * parsing, indexing, embedding and the summary run in the background, visible as `stage`
   * and `progress`. A file the parser refuses ends `failed` with its `error`.
   */
  upload(input: { userId: string; sessionId: string | null; fileName: string; bytes: Uint8Array }): Promise<DocumentView>;
  listForChat(userId: string, sessionId: string): Promise<DocumentView[]>;
  /** Every saved document of the user, newest first. */
  library(userId: string): Promise<DocumentView[]>;
  get(userId: string, documentId: string): Promise<DocumentView>;
  /** The extracted text, page by page, as the index saw it. */
  text(userId: string, documentId: string): Promise<{ document: DocumentView; pages: Array<{ number: number; text: string }> }>;
  passage(userId: string, chunkId: string): Promise<PassageView>;
  attach(userId: string, documentId: string, sessionId: string): Promise<DocumentView>;
  /** Takes it out of the chat; a document neither kept nor in another chat is deleted. */
  detach(userId: string, documentId: string, sessionId: string): Promise<{ deleted: boolean }>;
  keep(userId: string, documentId: string, kept: boolean): Promise<DocumentView>;
  /** Deletes the document, its chunks, terms and vectors, from every chat. */
  delete(userId: string, documentId: string): Promise<void>;
  /** The chat's best passages for a question (the memory engine's PassageSource), best first. */
  search(input: { userId: string; sessionId: string; query: string; limit: number }): Promise<PassageHit[]>;
  /** The one-line-per-document overview the prompt carries for a chat (ready documents with their summaries). */
  overview(userId: string, sessionId: string): Promise<Array<{ documentId: string; name: string; pageCount: number | null; summary: string | null; ready: boolean }>>;
  /** Passages by id (those an earlier turn's prompt held), the user's own only. */
  passages(userId: string, chunkIds: readonly string[], options?: { withText?: boolean }): Promise<PassageView[]>;
  /** Resolves once every upload so far is processed and summarized (tests, benchmarks, shutdown). */
  idle(): Promise<void>;
  /** Lifecycle hooks: a chat, or a user, is gone (detach; delete what nothing else holds). */
  chatDeleted(userId: string, sessionId: string): Promise<void>;
  userDeleted(userId: string): Promise<void>;
}

export interface PassageHit {
  chunkId: string;
  documentId: string;
  documentName: string;
  text: string;
  pageStart: number;
  pageEnd: number;
  section: string | null;
  /** Fused rank score (reciprocal rank fusion of BM25 and vectors); higher is better. */
  score: number;
  /** BM25 alone found it convincing (enough of the question's terms), or the vector similarity passed its floor. */
  convincing: boolean;
}

export type { DocumentSources };
