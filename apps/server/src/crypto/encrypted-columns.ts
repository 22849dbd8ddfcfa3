import type { PrismaClient } from "@recall/db";
import type { ReencryptionSource, StoredFieldValue } from "./reencrypt-values.ts";
import type { EncryptedField } from "./value-format.ts";

/** What the re-encryption driver needs of a Prisma model delegate; typed loosely so one helper serves every table. */
interface ColumnDelegate {
  findMany(query: unknown): Promise<Array<Record<string, unknown>>>;
  updateMany(query: unknown): Promise<{ count: number }>;
}

interface ColumnSpec {
  field: EncryptedField;
  delegate: ColumnDelegate;
  /** The row id of the associated data (`SessionSummary`: its sessionId). */
  idColumn: string;
  column: string;
  /** Rows without a value (a user message has no context) are left out. */
  nullable?: boolean;
  /** The owner: a column of the row, or the chat's owner for a summary. */
  owner: "userId" | "session";
  /** Kept as it was on every rewrite: re-encryption must not reorder the sidebar or reset retention clocks. */
  keepsUpdatedAt: boolean;
}

function columnSource(spec: ColumnSpec): ReencryptionSource {
  // The updatedAt of each row of the last batch, written back unchanged with its new value.
  let updatedAt = new Map<string, unknown>();
  return {
    field: spec.field,
    async readBatch({ after, limit, userId }) {
      const rows = await spec.delegate.findMany({
        where: {
          ...(after === null ? {} : { [spec.idColumn]: { gt: after } }),
          ...(userId === undefined ? {} : spec.owner === "userId" ? { userId } : { session: { userId } }),
          ...(spec.nullable ? { [spec.column]: { not: null } } : {}),
        },
        orderBy: { [spec.idColumn]: "asc" },
        take: limit,
        select: {
          [spec.idColumn]: true,
          [spec.column]: true,
          ...(spec.owner === "userId" ? { userId: true } : { session: { select: { userId: true } } }),
          ...(spec.keepsUpdatedAt ? { updatedAt: true } : {}),
        },
      });
      updatedAt = new Map(rows.map((row) => [String(row[spec.idColumn]), row.updatedAt]));
      return rows.map(
        (row): StoredFieldValue => ({
          rowId: String(row[spec.idColumn]),
          userId: spec.owner === "userId" ? String(row.userId) : String((row.session as { userId: string }).userId),
          value: String(row[spec.column]),
        }),
      );
    },
    async writeValue(row, expected, next) {
      const kept = spec.keepsUpdatedAt ? updatedAt.get(row.rowId) : undefined;
      const { count } = await spec.delegate.updateMany({
        where: { [spec.idColumn]: row.rowId, [spec.column]: expected, ...(spec.owner === "userId" ? { userId: row.userId } : { session: { userId: row.userId } }) },
        data: { [spec.column]: next, ...(kept instanceof Date ? { updatedAt: kept } : {}) },
      });
      return count === 1;
    },
  };
}

/**
 * `DocumentPage.text`: the table's key is (documentId, number), so the row id of the associated
 * data is `<documentId>:<number>` and pages are read in key order after it. The owner is the document's.
 */
function documentPageSource(prisma: PrismaClient): ReencryptionSource {
  const split = (rowId: string): { documentId: string; number: number } => {
    const at = rowId.lastIndexOf(":");
    return { documentId: rowId.slice(0, at), number: Number(rowId.slice(at + 1)) };
  };
  return {
    field: "DocumentPage.text",
    async readBatch({ after, limit, userId }) {
      const from = after === null ? null : split(after);
      const rows = await prisma.documentPage.findMany({
        where: {
          ...(from === null ? {} : { OR: [{ documentId: { gt: from.documentId } }, { documentId: from.documentId, number: { gt: from.number } }] }),
          ...(userId === undefined ? {} : { document: { userId } }),
        },
        orderBy: [{ documentId: "asc" }, { number: "asc" }],
        take: limit,
        select: { documentId: true, number: true, text: true, document: { select: { userId: true } } },
      });
      return rows.map((row): StoredFieldValue => ({ rowId: `${row.documentId}:${row.number}`, userId: row.document.userId, value: row.text }));
    },
    async writeValue(row, expected, next) {
      const { count } = await prisma.documentPage.updateMany({ where: { ...split(row.rowId), text: expected, document: { userId: row.userId } }, data: { text: next } });
      return count === 1;
    },
  };
}

/** A ReencryptionSource for every column Recall encrypts (the cached conversation lives in the cache only and expires). */
export function encryptedColumns(prisma: PrismaClient): ReencryptionSource[] {
  const delegate = (model: unknown) => model as ColumnDelegate;
  return [
    columnSource({ field: "ChatSession.title", delegate: delegate(prisma.chatSession), idColumn: "id", column: "title", owner: "userId", keepsUpdatedAt: true }),
    columnSource({ field: "Message.content", delegate: delegate(prisma.message), idColumn: "id", column: "content", owner: "userId", keepsUpdatedAt: true }),
    columnSource({ field: "Message.contextJson", delegate: delegate(prisma.message), idColumn: "id", column: "contextJson", nullable: true, owner: "userId", keepsUpdatedAt: true }),
    columnSource({ field: "SessionSummary.content", delegate: delegate(prisma.sessionSummary), idColumn: "sessionId", column: "content", owner: "session", keepsUpdatedAt: true }),
    columnSource({ field: "Episode.summary", delegate: delegate(prisma.episode), idColumn: "id", column: "summary", owner: "userId", keepsUpdatedAt: false }),
    columnSource({ field: "Episode.factsJson", delegate: delegate(prisma.episode), idColumn: "id", column: "factsJson", owner: "userId", keepsUpdatedAt: false }),
    columnSource({ field: "ProfileFact.value", delegate: delegate(prisma.profileFact), idColumn: "id", column: "value", owner: "userId", keepsUpdatedAt: true }),
    columnSource({ field: "Document.name", delegate: delegate(prisma.document), idColumn: "id", column: "name", owner: "userId", keepsUpdatedAt: true }),
    columnSource({ field: "Document.title", delegate: delegate(prisma.document), idColumn: "id", column: "title", nullable: true, owner: "userId", keepsUpdatedAt: true }),
    columnSource({ field: "Document.summary", delegate: delegate(prisma.document), idColumn: "id", column: "summary", nullable: true, owner: "userId", keepsUpdatedAt: true }),
    columnSource({ field: "DocumentChunk.text", delegate: delegate(prisma.documentChunk), idColumn: "id", column: "text", owner: "userId", keepsUpdatedAt: false }),
    columnSource({ field: "DocumentChunk.section", delegate: delegate(prisma.documentChunk), idColumn: "id", column: "section", nullable: true, owner: "userId", keepsUpdatedAt: false }),
    documentPageSource(prisma),
  ];
}
