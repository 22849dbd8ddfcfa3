import { Prisma, type PrismaClient } from "@recall/db";
import type { DocumentKind, DocumentRefusal, DocumentRefusalCode } from "@recall/documents";
import { newId } from "../chat/saved-chat-store.ts";
import { PlaintextFieldCipher, type EncryptedField, type FieldCipher } from "../crypto/index.ts";
import { notFound } from "../domain-errors.ts";
import {
  documentNotFound,
  type DocumentRecord,
  type DocumentStage,
  type DocumentState,
  type DocumentStore,
  type Extraction,
  type ChunkReadOptions,
  type NewDocument,
  type ProgressUpdate,
  type StoredChunk,
} from "./document-store.ts";

/** Rows per insert: well under both providers' bound-parameter limits (8 columns a chunk). */
const insertBatch = 500;
/** A long PDF's pages and chunks go in one transaction; the default 5 s is too short for thousands of rows. */
const extractionTransaction = { maxWait: 10_000, timeout: 120_000 };

const recordColumns = {
  id: true,
  userId: true,
  name: true,
  kind: true,
  sizeBytes: true,
  pageCount: true,
  title: true,
  state: true,
  stage: true,
  progress: true,
  errorCode: true,
  errorMessage: true,
  summary: true,
  chunkCount: true,
  kept: true,
  createdAt: true,
  updatedAt: true,
  attachments: { select: { sessionId: true }, orderBy: [{ createdAt: "asc" }, { sessionId: "asc" }] },
} as const satisfies Prisma.DocumentSelect;

type DocumentRow = Prisma.DocumentGetPayload<{ select: typeof recordColumns }>;

/** The row id of a page's text in the associated data: its key has two columns. */
export function pageRowId(documentId: string, number: number): string {
  return `${documentId}:${number}`;
}

function failedColumns(code: DocumentRefusalCode, message: string) {
  return { state: "failed", stage: null, errorCode: code, errorMessage: message, chunkCount: 0 } as const;
}

function isForeignKeyViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2003";
}

/**
 * Saved documents, in the database. Names, titles, summaries, page text, chunk text and section
 * headings are encrypted on write and decrypted on read, each bound to its column, row and owner
 * as the chat text is. Knows nothing of temporary chats: `RoutingDocumentStore` sends them elsewhere.
 */
export class SavedDocumentStore implements DocumentStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly cipher: FieldCipher = new PlaintextFieldCipher(),
  ) {}

  private seal(field: EncryptedField, text: string, rowId: string, userId: string): Promise<string> {
    return this.cipher.encrypt(text, { field, rowId, userId });
  }

  private open(field: EncryptedField, stored: string, rowId: string, userId: string): Promise<string> {
    return this.cipher.decrypt(stored, { field, rowId, userId });
  }

  private async openNullable(field: EncryptedField, stored: string | null, rowId: string, userId: string): Promise<string | null> {
    return stored === null ? null : this.open(field, stored, rowId, userId);
  }

  private async toRecord(row: DocumentRow): Promise<DocumentRecord> {
    const [name, title, summary] = await Promise.all([
      this.open("Document.name", row.name, row.id, row.userId),
      this.openNullable("Document.title", row.title, row.id, row.userId),
      this.openNullable("Document.summary", row.summary, row.id, row.userId),
    ]);
    const error: DocumentRefusal | null = row.errorCode === null ? null : { code: row.errorCode as DocumentRefusalCode, message: row.errorMessage ?? "" };
    return {
      id: row.id,
      userId: row.userId,
      name,
      kind: row.kind as DocumentKind | null,
      sizeBytes: row.sizeBytes,
      pageCount: row.pageCount,
      title,
      state: row.state as DocumentState,
      stage: row.stage as DocumentStage | null,
      progress: row.progress,
      error,
      summary,
      chunkCount: row.chunkCount,
      kept: row.kept,
      sessionIds: row.attachments.map((attachment) => attachment.sessionId),
      ephemeral: false,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    };
  }

  private async requireRecord(userId: string, documentId: string): Promise<DocumentRecord> {
    const record = await this.get(userId, documentId);
    if (!record) throw documentNotFound();
    return record;
  }

  private async requireOwned(userId: string, documentId: string): Promise<void> {
    const row = await this.prisma.document.findFirst({ where: { id: documentId, userId }, select: { id: true } });
    if (!row) throw documentNotFound();
  }

  private async requireChat(userId: string, sessionId: string): Promise<void> {
    const row = await this.prisma.chatSession.findFirst({ where: { id: sessionId, userId }, select: { id: true } });
    if (!row) throw notFound("chat");
  }

  async create(input: NewDocument): Promise<DocumentRecord> {
    if (input.sessionId !== null) await this.requireChat(input.userId, input.sessionId);
    // The id is part of the name's associated data, so it is chosen before the insert.
    const id = newId("d");
    const name = await this.seal("Document.name", input.name, id, input.userId);
    try {
      const row = await this.prisma.document.create({
        data: {
          id,
          userId: input.userId,
          name,
          sizeBytes: input.sizeBytes,
          state: "processing",
          stage: "queued",
          progress: 0,
          // Uploaded to the library alone: kept, or it would belong nowhere.
          kept: input.sessionId === null,
          ...(input.sessionId !== null ? { attachments: { create: { sessionId: input.sessionId, userId: input.userId } } } : {}),
        },
        select: recordColumns,
      });
      return await this.toRecord(row);
    } catch (error) {
      // The chat was deleted between the check and the insert.
      if (isForeignKeyViolation(error)) throw notFound("chat");
      throw error;
    }
  }

  async get(userId: string, documentId: string): Promise<DocumentRecord | null> {
    const row = await this.prisma.document.findFirst({ where: { id: documentId, userId }, select: recordColumns });
    return row ? this.toRecord(row) : null;
  }

  async listForChat(userId: string, sessionId: string): Promise<DocumentRecord[]> {
    const attachments = await this.prisma.documentAttachment.findMany({
      where: { sessionId, userId },
      orderBy: [{ createdAt: "asc" }, { documentId: "asc" }],
      select: { document: { select: recordColumns } },
    });
    return Promise.all(attachments.map((attachment) => this.toRecord(attachment.document)));
  }

  async listLibrary(userId: string): Promise<DocumentRecord[]> {
    const rows = await this.prisma.document.findMany({ where: { userId }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], select: recordColumns });
    return Promise.all(rows.map((row) => this.toRecord(row)));
  }

  async setProgress(documentId: string, update: ProgressUpdate): Promise<boolean> {
    const { count } = await this.prisma.document.updateMany({
      where: { id: documentId, state: "processing" },
      data: {
        stage: update.stage,
        progress: update.progress,
        ...(update.kind !== undefined ? { kind: update.kind } : {}),
        ...(update.pageCount !== undefined ? { pageCount: update.pageCount } : {}),
      },
    });
    return count > 0;
  }

  async saveExtraction(userId: string, documentId: string, extraction: Extraction): Promise<string[]> {
    await this.requireOwned(userId, documentId);
    const chunks = [...extraction.chunks].sort((left, right) => left.ordinal - right.ordinal);
    // Ids first: each is part of its text's associated data. Everything is sealed before the
    // transaction opens, so the transaction holds the database only for the inserts.
    const chunkRows = await Promise.all(
      chunks.map(async (chunk) => {
        const id = newId("k");
        const [text, section] = await Promise.all([
          this.seal("DocumentChunk.text", chunk.text, id, userId),
          chunk.section === null ? null : this.seal("DocumentChunk.section", chunk.section, id, userId),
        ]);
        return { id, documentId, userId, ordinal: chunk.ordinal, text, pageStart: chunk.pageStart, pageEnd: chunk.pageEnd, section };
      }),
    );
    const pageRows = await Promise.all(
      extraction.pages.map(async (page) => ({ documentId, number: page.number, text: await this.seal("DocumentPage.text", page.text, pageRowId(documentId, page.number), userId) })),
    );
    const title = extraction.title === null ? null : await this.seal("Document.title", extraction.title, documentId, userId);
    await this.prisma.$transaction(async (tx) => {
      // Also proves, inside the transaction, that the document was not deleted meanwhile.
      const { count } = await tx.document.updateMany({
        where: { id: documentId, userId },
        data: { kind: extraction.kind, title, pageCount: extraction.pageCount, chunkCount: chunkRows.length },
      });
      if (count === 0) throw documentNotFound();
      await tx.documentChunk.deleteMany({ where: { documentId } });
      await tx.documentPage.deleteMany({ where: { documentId } });
      for (let start = 0; start < pageRows.length; start += insertBatch) await tx.documentPage.createMany({ data: pageRows.slice(start, start + insertBatch) });
      for (let start = 0; start < chunkRows.length; start += insertBatch) await tx.documentChunk.createMany({ data: chunkRows.slice(start, start + insertBatch) });
    }, extractionTransaction);
    return chunkRows.map((row) => row.id);
  }

  async markReady(documentId: string): Promise<boolean> {
    const { count } = await this.prisma.document.updateMany({ where: { id: documentId, state: "processing" }, data: { state: "ready", stage: null, progress: 1 } });
    return count > 0;
  }

  async markFailed(documentId: string, code: DocumentRefusalCode, message: string): Promise<boolean> {
    const [failed] = await this.prisma.$transaction([
      this.prisma.document.updateMany({ where: { id: documentId, state: "processing" }, data: failedColumns(code, message) }),
      this.prisma.documentChunk.deleteMany({ where: { documentId, document: { state: "failed" } } }),
      this.prisma.documentPage.deleteMany({ where: { documentId, document: { state: "failed" } } }),
    ]);
    return failed.count > 0;
  }

  /** Documents still processing whose row has not changed since `updatedBefore` (progress writes touch it), oldest first. */
  async staleProcessing(updatedBefore: Date, limit: number): Promise<Array<{ id: string; userId: string }>> {
    return this.prisma.document.findMany({ where: { state: "processing", updatedAt: { lt: updatedBefore } }, select: { id: true, userId: true }, orderBy: { updatedAt: "asc" }, take: limit });
  }

  async failInterrupted(code: DocumentRefusalCode, message: string): Promise<number> {
    const [failed] = await this.prisma.$transaction([
      this.prisma.document.updateMany({ where: { state: "processing" }, data: failedColumns(code, message) }),
      this.prisma.documentChunk.deleteMany({ where: { document: { state: "failed" } } }),
      this.prisma.documentPage.deleteMany({ where: { document: { state: "failed" } } }),
    ]);
    return failed.count;
  }

  async setSummary(userId: string, documentId: string, summary: string): Promise<boolean> {
    const { count } = await this.prisma.document.updateMany({
      where: { id: documentId, userId },
      data: { summary: await this.seal("Document.summary", summary, documentId, userId) },
    });
    return count > 0;
  }

  async attach(userId: string, documentId: string, sessionId: string): Promise<DocumentRecord> {
    await Promise.all([this.requireOwned(userId, documentId), this.requireChat(userId, sessionId)]);
    try {
      await this.prisma.documentAttachment.upsert({
        where: { documentId_sessionId: { documentId, sessionId } },
        create: { documentId, sessionId, userId },
        update: {},
      });
    } catch (error) {
      // The document or the chat was deleted between the checks and the insert.
      if (isForeignKeyViolation(error)) throw documentNotFound();
      throw error;
    }
    return this.requireRecord(userId, documentId);
  }

  async detach(userId: string, documentId: string, sessionId: string): Promise<{ remainingAttachments: number; kept: boolean }> {
    const [, remainingAttachments, document] = await this.prisma.$transaction([
      this.prisma.documentAttachment.deleteMany({ where: { documentId, sessionId, userId } }),
      this.prisma.documentAttachment.count({ where: { documentId, userId } }),
      this.prisma.document.findFirst({ where: { id: documentId, userId }, select: { kept: true } }),
    ]);
    if (!document) throw documentNotFound();
    return { remainingAttachments, kept: document.kept };
  }

  async setKept(userId: string, documentId: string, kept: boolean): Promise<DocumentRecord> {
    const { count } = await this.prisma.document.updateMany({ where: { id: documentId, userId }, data: { kept } });
    if (count === 0) throw documentNotFound();
    return this.requireRecord(userId, documentId);
  }

  async delete(userId: string, documentId: string): Promise<void> {
    const { count } = await this.prisma.document.deleteMany({ where: { id: documentId, userId } });
    if (count === 0) throw documentNotFound();
  }

  async chunks(userId: string, chunkIds: readonly string[], options: ChunkReadOptions = {}): Promise<StoredChunk[]> {
    if (chunkIds.length === 0) return [];
    const withText = options.withText ?? true;
    const rows = await this.prisma.documentChunk.findMany({
      where: { id: { in: [...new Set(chunkIds)] }, userId },
      // Labels only (citations on every thread read): the text is neither read nor decrypted.
      select: { id: true, documentId: true, ordinal: true, text: withText, pageStart: true, pageEnd: true, section: true, document: { select: { name: true } } },
    });
    const chunks = await this.openChunks(userId, rows);
    const byId = new Map(chunks.map((chunk) => [chunk.chunkId, chunk]));
    return chunkIds.flatMap((id) => byId.get(id) ?? []);
  }

  async chunksOfDocuments(userId: string, documentIds: readonly string[]): Promise<StoredChunk[]> {
    if (documentIds.length === 0) return [];
    const rows = await this.prisma.documentChunk.findMany({
      where: { documentId: { in: [...new Set(documentIds)] }, userId },
      orderBy: [{ documentId: "asc" }, { ordinal: "asc" }],
      include: { document: { select: { name: true } } },
    });
    const chunks = await this.openChunks(userId, rows);
    const position = new Map(documentIds.map((id, index) => [id, index]));
    // A stable sort keeps each document's chunks in ordinal order.
    return chunks.sort((left, right) => (position.get(left.documentId) ?? 0) - (position.get(right.documentId) ?? 0));
  }

  private async openChunks(
    userId: string,
    rows: Array<{ id: string; documentId: string; ordinal: number; text?: string; pageStart: number; pageEnd: number; section: string | null; document: { name: string } }>,
  ): Promise<StoredChunk[]> {
    // One decryption per document for its name, however many of its chunks came back.
    const names = new Map<string, Promise<string>>();
    const nameOf = (documentId: string, stored: string): Promise<string> => {
      let name = names.get(documentId);
      if (!name) names.set(documentId, (name = this.open("Document.name", stored, documentId, userId)));
      return name;
    };
    return Promise.all(
      rows.map(async (row): Promise<StoredChunk> => {
        const [text, section, documentName] = await Promise.all([
          row.text === undefined ? "" : this.open("DocumentChunk.text", row.text, row.id, userId),
          this.openNullable("DocumentChunk.section", row.section, row.id, userId),
          nameOf(row.documentId, row.document.name),
        ]);
        return { chunkId: row.id, documentId: row.documentId, documentName, ordinal: row.ordinal, text, pageStart: row.pageStart, pageEnd: row.pageEnd, section };
      }),
    );
  }

  async pages(userId: string, documentId: string): Promise<Array<{ number: number; text: string }>> {
    await this.requireOwned(userId, documentId);
    const rows = await this.prisma.documentPage.findMany({ where: { documentId }, orderBy: { number: "asc" } });
    return Promise.all(rows.map(async (row) => ({ number: row.number, text: await this.open("DocumentPage.text", row.text, pageRowId(documentId, row.number), userId) })));
  }

  async readyDocumentIdsForChat(userId: string, sessionId: string): Promise<string[]> {
    const rows = await this.prisma.documentAttachment.findMany({
      where: { sessionId, userId, document: { state: "ready" } },
      orderBy: [{ createdAt: "asc" }, { documentId: "asc" }],
      select: { documentId: true },
    });
    return rows.map((row) => row.documentId);
  }

  async usage(userId: string): Promise<{ bytes: number; count: number }> {
    const result = await this.prisma.document.aggregate({ where: { userId }, _sum: { sizeBytes: true }, _count: { _all: true } });
    return { bytes: result._sum.sizeBytes ?? 0, count: result._count._all };
  }

  async documentsOnlyIn(userId: string, sessionId: string): Promise<string[]> {
    const rows = await this.prisma.document.findMany({
      // `every` holds for a document in no chat too: one whose last chat went before this call.
      where: { userId, kept: false, attachments: { every: { sessionId } } },
      select: { id: true },
    });
    return rows.map((row) => row.id);
  }

  async deleteForUser(userId: string): Promise<string[]> {
    const [rows] = await this.prisma.$transaction([
      this.prisma.document.findMany({ where: { userId }, select: { id: true } }),
      this.prisma.document.deleteMany({ where: { userId } }),
    ]);
    return rows.map((row) => row.id);
  }
}
