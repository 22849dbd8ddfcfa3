import { createTestDatabase, type TestDatabase } from "@recall/db/testing";
import { SavedChatStore, newId } from "../chat/saved-chat-store.ts";
import { RecallIndexes } from "../memory/recall-turns.ts";
import { createFieldCipher, type FieldCipher } from "./field-cipher.ts";
import { generateMasterKey, parseMasterKeys } from "./master-keys.ts";
import { PrismaUserKeyStore } from "./prisma-user-key-store.ts";

export interface SearchCost {
  messages: number;
  chats: number;
  /** Without a key: SQL LIKE, median of the queries. */
  plaintextSqlMs: number;
  /** With a key, the user's recall index not in memory: read and decrypt every message, build the index, scan. */
  encryptedColdMs: number;
  /** With a key, the index in memory (the user has chatted recently): decrypt the titles, scan the turns. Median. */
  encryptedWarmMs: number;
  /** Reading and decrypting every message alone (the cold search's main part). */
  decryptAllMs: number;
}

const words = ["lisbon", "tram", "garden", "budget", "recipe", "train", "python", "concert", "sister", "wedding", "museum", "coffee"];

function sentence(index: number): string {
  const parts: string[] = [];
  for (let word = 0; word < 60; word += 1) parts.push(words[(index * 7 + word * 3) % words.length] ?? "word");
  return `${parts.join(" ")} number ${index}.`;
}

async function fill(database: TestDatabase, cipher: FieldCipher, userId: string, chats: number, perChat: number): Promise<void> {
  const prisma = database.prisma;
  await prisma.user.create({ data: { id: userId } });
  const start = Date.now() - chats * perChat * 1000;
  let index = 0;
  for (let chat = 0; chat < chats; chat += 1) {
    const sessionId = newId("c");
    await prisma.chatSession.create({ data: { id: sessionId, userId, title: await cipher.encrypt(`Chat ${chat} about ${words[chat % words.length]}`, { field: "ChatSession.title", rowId: sessionId, userId }) } });
    const rows = [];
    let parentId: string | null = null;
    for (let message = 0; message < perChat; message += 1, index += 1) {
      const id = newId();
      rows.push({
        id,
        sessionId,
        userId,
        parentId,
        role: message % 2 === 0 ? "user" : "assistant",
        content: await cipher.encrypt(sentence(index), { field: "Message.content", rowId: id, userId }),
        createdAt: new Date(start + index * 1000),
      });
      parentId = id;
    }
    await prisma.message.createMany({ data: rows });
  }
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

/**
 * What `session.search` costs one user with `messages` messages, with and without encryption at
 * rest. Not a test: no thresholds. The trust benchmark (`bench/trust.bench.ts`) prints it.
 */
export async function measureSearchCost(options: { chats?: number; perChat?: number } = {}): Promise<SearchCost> {
  const chats = options.chats ?? 20;
  const perChat = options.perChat ?? 500;
  const queries = ["wedding", "NUMBER 9999", "no such text anywhere", "lisbon tram"];
  const plainDatabase = await createTestDatabase({ provider: "sqlite" });
  const encryptedDatabase = await createTestDatabase({ provider: "sqlite" });
  try {
    const plain = createFieldCipher({ masterKeys: null, store: new PrismaUserKeyStore(plainDatabase.prisma) });
    await fill(plainDatabase, plain, "reader", chats, perChat);
    const plainStore = new SavedChatStore(plainDatabase, plain);
    const plainTimes: number[] = [];
    for (const query of queries) plainTimes.push(await timed(() => plainStore.searchSessions("reader", query, 50)));

    const cipher = createFieldCipher({ masterKeys: parseMasterKeys(`1:${generateMasterKey()}`), store: new PrismaUserKeyStore(encryptedDatabase.prisma) });
    await fill(encryptedDatabase, cipher, "reader", chats, perChat);
    const store = new SavedChatStore(encryptedDatabase, cipher);
    const decryptAllMs = await timed(() => store.recallTurns("reader"));
    const indexes = new RecallIndexes((userId) => store.recallTurns(userId), 10);
    store.searchTurns = async (userId) => (await indexes.get(userId)).turns.values();
    const encryptedColdMs = await timed(() => store.searchSessions("reader", queries[0]!, 50));
    const warm: number[] = [];
    for (let round = 0; round < 5; round += 1) for (const query of queries) warm.push(await timed(() => store.searchSessions("reader", query, 50)));
    return { messages: chats * perChat, chats, plaintextSqlMs: median(plainTimes), encryptedColdMs, encryptedWarmMs: median(warm), decryptAllMs };
  } finally {
    await plainDatabase.close();
    await encryptedDatabase.close();
  }
}
