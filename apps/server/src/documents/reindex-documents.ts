import type { DatabaseProvider, PrismaClient } from "@recall/db";
import type { FieldCipher } from "../crypto/field-cipher.ts";
import type { DocumentIndex } from "./document-index.ts";
import { PostgresDocumentIndex } from "./postgres-document-index.ts";
import { SavedDocumentStore } from "./saved-document-store.ts";
import { SqliteDocumentIndex } from "./sqlite-document-index.ts";

/**
 * Writes every saved document's blind terms again under its owner's current data key. The terms
 * are HMACs under a subkey of that key, so after `--rotate-data-keys` (or once encryption is
 * turned on over documents indexed in the clear) the old terms match no query: this puts them
 * back. Vectors are kept (they are not keyed). Returns the documents re-indexed.
 */
export async function reindexDocuments(input: {
  prisma: PrismaClient;
  provider: DatabaseProvider;
  databaseUrl: string;
  cipher: FieldCipher;
  userId?: string | undefined;
}): Promise<number> {
  const { prisma, cipher } = input;
  const index: DocumentIndex =
    input.provider === "sqlite" ? await SqliteDocumentIndex.open({ cipher, databaseUrl: input.databaseUrl }) : await PostgresDocumentIndex.open({ cipher, prisma });
  const store = new SavedDocumentStore(prisma, cipher);
  let count = 0;
  try {
    for (let after: string | undefined; ; ) {
      const documents = await prisma.document.findMany({
        where: { state: "ready", ...(input.userId !== undefined ? { userId: input.userId } : {}), ...(after !== undefined ? { id: { gt: after } } : {}) },
        select: { id: true, userId: true },
        orderBy: { id: "asc" },
        take: 100,
      });
      if (documents.length === 0) break;
      for (const document of documents) {
        const chunks = await store.chunksOfDocuments(document.userId, [document.id]);
        // As the service indexes a chunk: its text alone.
        await index.add(document.userId, document.id, chunks.map((chunk) => ({ chunkId: chunk.chunkId, text: chunk.text })));
        count += 1;
      }
      after = documents.at(-1)!.id;
    }
    return count;
  } finally {
    await index.close();
  }
}
