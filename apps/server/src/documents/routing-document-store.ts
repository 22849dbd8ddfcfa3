import type { DocumentRefusalCode } from "@recall/documents";
import { isEphemeralId } from "../chat/chat-repository.ts";
import type { ChunkReadOptions, DocumentRecord, DocumentStore, Extraction, NewDocument, ProgressUpdate, StoredChunk } from "./document-store.ts";

/**
 * The one place that tells saved documents from temporary chats' ones: by the id's prefix (a
 * document's, or for a new one its chat's) each call goes to exactly one store; calls about a
 * whole user or a list of ids go to both and their answers are merged. A document is in chats of
 * its own kind only (each store checks the chat is one of its own), so a chat's documents are all
 * in one store. The library and the saved quota (`usage`) are the saved store's alone: temporary
 * documents are bounded by their own store.
 */
export class RoutingDocumentStore implements DocumentStore {
  constructor(
    private readonly saved: DocumentStore,
    private readonly temporary: DocumentStore,
  ) {}

  private storeFor(id: string): DocumentStore {
    return isEphemeralId(id) ? this.temporary : this.saved;
  }

  create(input: NewDocument): Promise<DocumentRecord> {
    return (input.sessionId !== null && isEphemeralId(input.sessionId) ? this.temporary : this.saved).create(input);
  }

  get(userId: string, documentId: string): Promise<DocumentRecord | null> {
    return this.storeFor(documentId).get(userId, documentId);
  }

  listForChat(userId: string, sessionId: string): Promise<DocumentRecord[]> {
    return this.storeFor(sessionId).listForChat(userId, sessionId);
  }

  listLibrary(userId: string): Promise<DocumentRecord[]> {
    return this.saved.listLibrary(userId);
  }

  setProgress(documentId: string, update: ProgressUpdate): Promise<boolean> {
    return this.storeFor(documentId).setProgress(documentId, update);
  }

  saveExtraction(userId: string, documentId: string, extraction: Extraction): Promise<string[]> {
    return this.storeFor(documentId).saveExtraction(userId, documentId, extraction);
  }

  markReady(documentId: string): Promise<boolean> {
    return this.storeFor(documentId).markReady(documentId);
  }

  markFailed(documentId: string, code: DocumentRefusalCode, message: string): Promise<boolean> {
    return this.storeFor(documentId).markFailed(documentId, code, message);
  }

  async failInterrupted(code: DocumentRefusalCode, message: string): Promise<number> {
    const [saved, temporary] = await Promise.all([this.saved.failInterrupted(code, message), this.temporary.failInterrupted(code, message)]);
    return saved + temporary;
  }

  setSummary(userId: string, documentId: string, summary: string): Promise<boolean> {
    return this.storeFor(documentId).setSummary(userId, documentId, summary);
  }

  attach(userId: string, documentId: string, sessionId: string): Promise<DocumentRecord> {
    return this.storeFor(documentId).attach(userId, documentId, sessionId);
  }

  detach(userId: string, documentId: string, sessionId: string): Promise<{ remainingAttachments: number; kept: boolean }> {
    return this.storeFor(documentId).detach(userId, documentId, sessionId);
  }

  setKept(userId: string, documentId: string, kept: boolean): Promise<DocumentRecord> {
    return this.storeFor(documentId).setKept(userId, documentId, kept);
  }

  delete(userId: string, documentId: string): Promise<void> {
    return this.storeFor(documentId).delete(userId, documentId);
  }

  async chunks(userId: string, chunkIds: readonly string[], options?: ChunkReadOptions): Promise<StoredChunk[]> {
    const [temporary, saved] = await Promise.all([
      this.temporary.chunks(userId, chunkIds.filter(isEphemeralId), options),
      this.saved.chunks(userId, chunkIds.filter((id) => !isEphemeralId(id)), options),
    ]);
    const byId = new Map([...saved, ...temporary].map((chunk) => [chunk.chunkId, chunk]));
    return chunkIds.flatMap((id) => byId.get(id) ?? []);
  }

  async chunksOfDocuments(userId: string, documentIds: readonly string[]): Promise<StoredChunk[]> {
    const [temporary, saved] = await Promise.all([
      this.temporary.chunksOfDocuments(userId, documentIds.filter(isEphemeralId)),
      this.saved.chunksOfDocuments(userId, documentIds.filter((id) => !isEphemeralId(id))),
    ]);
    const byDocument = new Map<string, StoredChunk[]>();
    for (const chunk of [...saved, ...temporary]) {
      const chunks = byDocument.get(chunk.documentId);
      if (chunks) chunks.push(chunk);
      else byDocument.set(chunk.documentId, [chunk]);
    }
    return [...new Set(documentIds)].flatMap((id) => byDocument.get(id) ?? []);
  }

  pages(userId: string, documentId: string): Promise<Array<{ number: number; text: string }>> {
    return this.storeFor(documentId).pages(userId, documentId);
  }

  readyDocumentIdsForChat(userId: string, sessionId: string): Promise<string[]> {
    return this.storeFor(sessionId).readyDocumentIdsForChat(userId, sessionId);
  }

  usage(userId: string): Promise<{ bytes: number; count: number }> {
    return this.saved.usage(userId);
  }

  documentsOnlyIn(userId: string, sessionId: string): Promise<string[]> {
    return this.storeFor(sessionId).documentsOnlyIn(userId, sessionId);
  }

  async deleteForUser(userId: string): Promise<string[]> {
    const [saved, temporary] = await Promise.all([this.saved.deleteForUser(userId), this.temporary.deleteForUser(userId)]);
    return [...saved, ...temporary];
  }
}
