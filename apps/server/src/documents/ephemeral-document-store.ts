import { randomBytes } from "node:crypto";
import type { DocumentChunk, DocumentRefusalCode } from "@recall/documents";
import { ephemeralPrefix, type ChatRepository } from "../chat/chat-repository.ts";
import { InvalidRequestError, LimitExceededError } from "../domain-errors.ts";
import { documentNotFound, type DocumentRecord, type DocumentStore, type Extraction, type NewDocument, type ProgressUpdate, type StoredChunk } from "./document-store.ts";

/** Ids carry the temporary prefix, so `RoutingDocumentStore` (and the index) know where they live. */
function ephemeralId(kind: "d" | "k"): string {
  return `${ephemeralPrefix}${kind}${Date.now().toString(36)}${randomBytes(10).toString("base64url")}`;
}

export interface EphemeralDocumentLimits {
  /** Documents one user's temporary chats may hold at once. */
  documentsPerUser: number;
  /** Bytes one user's temporary documents may take: each upload's size plus its extracted text (pages and chunks, UTF-8). */
  bytesPerUser: number;
}

export interface EphemeralDocumentStoreOptions {
  /** The temporary chats (`EphemeralChatStore`): whether a chat is the user's, and which of them still exist. */
  chats: Pick<ChatRepository, "requireSession" | "sessionIds">;
  limits: EphemeralDocumentLimits;
  now?: () => number;
  /** How often documents of chats that went (idle past their TTL) are forgotten; reads prune too. */
  sweepEveryMs?: number;
  /** Documents forgotten because their chats went, not through a call: whatever holds their index drops it. */
  onForgotten?: (userId: string, documentIds: string[]) => void;
}

interface HeldDocument {
  record: DocumentRecord;
  pages: Array<{ number: number; text: string }>;
  chunks: Array<DocumentChunk & { chunkId: string }>;
  /** UTF-8 bytes of the pages and chunks held. */
  textBytes: number;
}

function textBytesOf(extraction: Pick<Extraction, "pages" | "chunks">): number {
  let bytes = 0;
  for (const page of extraction.pages) bytes += Buffer.byteLength(page.text, "utf8");
  for (const chunk of extraction.chunks) bytes += Buffer.byteLength(chunk.text, "utf8") + Buffer.byteLength(chunk.section ?? "", "utf8");
  return bytes;
}

function copyRecord(record: DocumentRecord): DocumentRecord {
  return { ...record, sessionIds: [...record.sessionIds], error: record.error && { ...record.error } };
}

/**
 * Temporary chats' documents, in this process's memory only: never in the database, bounded per
 * user (count and bytes), and gone with the last temporary chat that holds them. The chat store
 * forgets an idle chat on its own, so this store asks it which chats still exist: on every call
 * about a user (so nothing of a gone chat is ever served) and on a timer (so memory is freed for
 * users who do not come back). Documents here are never kept: the library is saved documents.
 */
export class EphemeralDocumentStore implements DocumentStore {
  private readonly documents = new Map<string, HeldDocument>();
  private readonly userDocuments = new Map<string, Set<string>>();
  private readonly chunkDocument = new Map<string, string>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly now: () => number;

  constructor(private readonly options: EphemeralDocumentStoreOptions) {
    this.now = options.now ?? Date.now;
    this.sweeper = setInterval(() => void this.sweep().catch(() => undefined), options.sweepEveryMs ?? 60_000);
    this.sweeper.unref();
  }

  close(): void {
    clearInterval(this.sweeper);
    this.documents.clear();
    this.userDocuments.clear();
    this.chunkDocument.clear();
  }

  /** Forgets every document none of whose chats exists any more. Returns how many went. */
  async sweep(): Promise<number> {
    let forgotten = 0;
    for (const userId of [...this.userDocuments.keys()]) forgotten += await this.prune(userId);
    return forgotten;
  }

  get size(): number {
    return this.documents.size;
  }

  async create(input: NewDocument): Promise<DocumentRecord> {
    if (input.sessionId === null) throw new InvalidRequestError("A document outside any chat belongs in the library, which temporary chats do not use.");
    await this.options.chats.requireSession(input.userId, input.sessionId);
    await this.prune(input.userId);
    const usage = this.held(input.userId);
    const { limits } = this.options;
    if (usage.count >= limits.documentsPerUser) {
      throw new LimitExceededError(`Your temporary chats hold ${usage.count} documents, the most allowed. Remove one to add another.`);
    }
    if (usage.bytes + input.sizeBytes > limits.bytesPerUser) {
      throw new LimitExceededError("Your temporary chats' documents take all the memory allowed for them. Remove one, or upload the file in a saved chat.");
    }
    const at = new Date(this.now());
    const record: DocumentRecord = {
      id: ephemeralId("d"),
      userId: input.userId,
      name: input.name,
      kind: null,
      sizeBytes: input.sizeBytes,
      pageCount: null,
      title: null,
      state: "processing",
      stage: "queued",
      progress: 0,
      error: null,
      summary: null,
      chunkCount: 0,
      kept: false,
      sessionIds: [input.sessionId],
      ephemeral: true,
      createdAt: at,
      updatedAt: at,
    };
    this.documents.set(record.id, { record, pages: [], chunks: [], textBytes: 0 });
    let owned = this.userDocuments.get(input.userId);
    if (!owned) this.userDocuments.set(input.userId, (owned = new Set()));
    owned.add(record.id);
    return copyRecord(record);
  }

  async get(userId: string, documentId: string): Promise<DocumentRecord | null> {
    await this.prune(userId);
    const held = this.documents.get(documentId);
    return held && held.record.userId === userId ? copyRecord(held.record) : null;
  }

  async listForChat(userId: string, sessionId: string): Promise<DocumentRecord[]> {
    return (await this.owned(userId)).filter((held) => held.record.sessionIds.includes(sessionId)).map((held) => copyRecord(held.record));
  }

  /** The library holds saved documents only. */
  async listLibrary(_userId: string): Promise<DocumentRecord[]> {
    return [];
  }

  async setProgress(documentId: string, update: ProgressUpdate): Promise<boolean> {
    const held = this.documents.get(documentId);
    if (!held || held.record.state !== "processing") return false;
    this.touch(held, {
      stage: update.stage,
      progress: update.progress,
      ...(update.kind !== undefined ? { kind: update.kind } : {}),
      ...(update.pageCount !== undefined ? { pageCount: update.pageCount } : {}),
    });
    return true;
  }

  async saveExtraction(userId: string, documentId: string, extraction: Extraction): Promise<string[]> {
    const held = await this.require(userId, documentId);
    const textBytes = textBytesOf(extraction);
    if (this.held(userId).bytes - held.textBytes + textBytes > this.options.limits.bytesPerUser) {
      throw new LimitExceededError("This document's text is more than your temporary chats may hold. Upload it in a saved chat instead.");
    }
    for (const chunk of held.chunks) this.chunkDocument.delete(chunk.chunkId);
    held.chunks = [...extraction.chunks].sort((left, right) => left.ordinal - right.ordinal).map((chunk) => ({ ...chunk, chunkId: ephemeralId("k") }));
    held.pages = extraction.pages.map((page) => ({ number: page.number, text: page.text })).sort((left, right) => left.number - right.number);
    held.textBytes = textBytes;
    for (const chunk of held.chunks) this.chunkDocument.set(chunk.chunkId, documentId);
    this.touch(held, { kind: extraction.kind, title: extraction.title, pageCount: extraction.pageCount, chunkCount: held.chunks.length });
    return held.chunks.map((chunk) => chunk.chunkId);
  }

  async markReady(documentId: string): Promise<boolean> {
    const held = this.documents.get(documentId);
    if (!held || held.record.state !== "processing") return false;
    this.touch(held, { state: "ready", stage: null, progress: 1 });
    return true;
  }

  async markFailed(documentId: string, code: DocumentRefusalCode, message: string): Promise<boolean> {
    const held = this.documents.get(documentId);
    if (!held || held.record.state !== "processing") return false;
    this.dropText(held);
    this.touch(held, { state: "failed", stage: null, error: { code, message }, chunkCount: 0 });
    return true;
  }

  /** Nothing here outlives the process: there is never an interrupted document to fail. */
  async failInterrupted(): Promise<number> {
    return 0;
  }

  async setSummary(userId: string, documentId: string, summary: string): Promise<boolean> {
    const held = this.documents.get(documentId);
    if (!held || held.record.userId !== userId) return false;
    this.touch(held, { summary });
    return true;
  }

  async attach(userId: string, documentId: string, sessionId: string): Promise<DocumentRecord> {
    const held = await this.require(userId, documentId);
    await this.options.chats.requireSession(userId, sessionId);
    if (!held.record.sessionIds.includes(sessionId)) this.touch(held, { sessionIds: [...held.record.sessionIds, sessionId] });
    return copyRecord(held.record);
  }

  async detach(userId: string, documentId: string, sessionId: string): Promise<{ remainingAttachments: number; kept: boolean }> {
    const held = await this.require(userId, documentId);
    if (held.record.sessionIds.includes(sessionId)) this.touch(held, { sessionIds: held.record.sessionIds.filter((id) => id !== sessionId) });
    return { remainingAttachments: held.record.sessionIds.length, kept: false };
  }

  async setKept(userId: string, documentId: string, kept: boolean): Promise<DocumentRecord> {
    const held = await this.require(userId, documentId);
    if (kept) throw new InvalidRequestError("A temporary chat's documents cannot go to the library: upload the file in a saved chat.");
    return copyRecord(held.record);
  }

  /** Not pruned first: the lifecycle deletes a gone chat's documents by id after the chat went. */
  async delete(userId: string, documentId: string): Promise<void> {
    const held = this.documents.get(documentId);
    if (!held || held.record.userId !== userId) throw documentNotFound();
    this.forget(held);
  }

  async chunks(userId: string, chunkIds: readonly string[]): Promise<StoredChunk[]> {
    await this.prune(userId);
    return chunkIds.flatMap((chunkId) => {
      const held = this.documents.get(this.chunkDocument.get(chunkId) ?? "");
      const chunk = held?.record.userId === userId ? held.chunks.find((candidate) => candidate.chunkId === chunkId) : undefined;
      return held && chunk ? [this.storedChunk(held, chunk)] : [];
    });
  }

  async chunksOfDocuments(userId: string, documentIds: readonly string[]): Promise<StoredChunk[]> {
    await this.prune(userId);
    return [...new Set(documentIds)].flatMap((documentId) => {
      const held = this.documents.get(documentId);
      return held && held.record.userId === userId ? held.chunks.map((chunk) => this.storedChunk(held, chunk)) : [];
    });
  }

  async pages(userId: string, documentId: string): Promise<Array<{ number: number; text: string }>> {
    return (await this.require(userId, documentId)).pages.map((page) => ({ ...page }));
  }

  async readyDocumentIdsForChat(userId: string, sessionId: string): Promise<string[]> {
    return (await this.owned(userId)).filter((held) => held.record.state === "ready" && held.record.sessionIds.includes(sessionId)).map((held) => held.record.id);
  }

  /** Uploaded bytes and documents held for the user's temporary chats (their own bound, apart from the saved quota). */
  async usage(userId: string): Promise<{ bytes: number; count: number }> {
    await this.prune(userId);
    let bytes = 0;
    let count = 0;
    for (const documentId of this.userDocuments.get(userId) ?? []) {
      bytes += this.documents.get(documentId)?.record.sizeBytes ?? 0;
      count += 1;
    }
    return { bytes, count };
  }

  async documentsOnlyIn(userId: string, sessionId: string): Promise<string[]> {
    // Not pruned first: the chat being deleted is already gone from the chat store.
    return [...(this.userDocuments.get(userId) ?? [])].filter((documentId) => this.documents.get(documentId)?.record.sessionIds.every((id) => id === sessionId));
  }

  async deleteForUser(userId: string): Promise<string[]> {
    const ids = [...(this.userDocuments.get(userId) ?? [])];
    for (const documentId of ids) {
      const held = this.documents.get(documentId);
      if (held) this.forget(held);
    }
    return ids;
  }

  /** Count and bytes (uploads plus extracted text) the user's temporary documents hold now. */
  private held(userId: string): { count: number; bytes: number } {
    let count = 0;
    let bytes = 0;
    for (const documentId of this.userDocuments.get(userId) ?? []) {
      const held = this.documents.get(documentId);
      if (!held) continue;
      count += 1;
      bytes += held.record.sizeBytes + held.textBytes;
    }
    return { count, bytes };
  }

  private storedChunk(held: HeldDocument, chunk: DocumentChunk & { chunkId: string }): StoredChunk {
    return { ...chunk, documentId: held.record.id, documentName: held.record.name };
  }

  private async owned(userId: string): Promise<HeldDocument[]> {
    await this.prune(userId);
    return [...(this.userDocuments.get(userId) ?? [])].flatMap((documentId) => this.documents.get(documentId) ?? []);
  }

  private async require(userId: string, documentId: string): Promise<HeldDocument> {
    await this.prune(userId);
    const held = this.documents.get(documentId);
    if (!held || held.record.userId !== userId) throw documentNotFound();
    return held;
  }

  /**
   * Takes the chats that went out of each document of the user, and forgets the documents left
   * in none. Asks the chat store which chats exist without touching them (their idle clocks run on).
   */
  private async prune(userId: string): Promise<number> {
    const owned = this.userDocuments.get(userId);
    if (!owned) return 0;
    const live = new Set(await this.options.chats.sessionIds(userId));
    const forgotten: string[] = [];
    for (const documentId of [...owned]) {
      const held = this.documents.get(documentId);
      if (!held) continue;
      const sessionIds = held.record.sessionIds.filter((sessionId) => live.has(sessionId));
      if (sessionIds.length === held.record.sessionIds.length) continue;
      if (sessionIds.length > 0) {
        held.record.sessionIds = sessionIds;
        continue;
      }
      this.forget(held);
      forgotten.push(documentId);
    }
    if (forgotten.length > 0) this.options.onForgotten?.(userId, forgotten);
    return forgotten.length;
  }

  private touch(held: HeldDocument, changes: Partial<DocumentRecord>): void {
    Object.assign(held.record, changes, { updatedAt: new Date(this.now()) });
  }

  private dropText(held: HeldDocument): void {
    for (const chunk of held.chunks) this.chunkDocument.delete(chunk.chunkId);
    held.chunks = [];
    held.pages = [];
    held.textBytes = 0;
  }

  private forget(held: HeldDocument): void {
    this.dropText(held);
    this.documents.delete(held.record.id);
    const owned = this.userDocuments.get(held.record.userId);
    owned?.delete(held.record.id);
    if (owned?.size === 0) this.userDocuments.delete(held.record.userId);
  }
}
