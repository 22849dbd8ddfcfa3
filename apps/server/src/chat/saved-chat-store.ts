import { sqlDate, type Database, type DatabaseProvider, type PrismaClient, type SqlRunner } from "@recall/db";
import type { RecallTurn } from "@recall/memory";
import type { Message, Session } from "@recall/schema";
import { LRUCache } from "lru-cache";
import { randomBytes } from "node:crypto";
import { PlaintextFieldCipher, type FieldCipher } from "../crypto/index.ts";
import { notFound } from "../domain-errors.ts";
import { searchSavedChats, type SessionSearchHit } from "./chat-search.ts";
import { searchDecryptedChats, type SearchableTurn } from "./decrypted-search.ts";
import { messagesOffBranch } from "./branch.ts";
import {
  defaultSessionTitle,
  wantsMore,
  type BranchReach,
  type ChatRepository,
  type ChatWithMessages,
  type FinishedReply,
  type HistoryMessage,
  type NewExchange,
  type NewReply,
  type NewSession,
  type ReplyContextRow,
  type SessionForSend,
  type TurnView,
} from "./chat-repository.ts";
import { messageColumns, storedSourcesJson, titleFromContent, toMessage, toSession } from "./serialize.ts";

/** Time-ordered, URL-safe message ids: base36 milliseconds, then 80 random bits. */
export function newId(prefix = "m"): string {
  return `${prefix}${Date.now().toString(36)}${randomBytes(10).toString("base64url")}`;
}

interface StoredSessionRow {
  id: string;
  userId: string;
  title: string;
  model: string | null;
  createdAt: Date;
  updatedAt: Date;
}

interface StoredMessageRow {
  id: string;
  userId: string;
  content: string;
}

/**
 * Saved chats, in the database. Every read and write is scoped to its owner here; routers
 * never query Prisma directly. Knows nothing of temporary chats: `RoutingChatRepository`
 * sends their ids elsewhere.
 */
export class SavedChatStore implements ChatRepository {
  /** Owners of the replies streaming now: a checkpoint (every second per reply) encrypts without a query. */
  private readonly streamingOwners = new LRUCache<string, string>({ max: 100_000 });
  /**
   * With encryption on, SQL cannot see the text: search scans the user's decrypted turns. The
   * composition root points this at the recall index (already in memory, kept current).
   */
  searchTurns: (userId: string) => Promise<Iterable<SearchableTurn>> = (userId) => this.recallTurns(userId);

  private readonly prisma: PrismaClient;
  /** Plain SQL for what every reply runs (send, checkpoints, the end): Prisma's client costs more than the query. */
  private readonly sql: SqlRunner;
  /** Only search differs by provider (LIKE or ILIKE). */
  private readonly provider: DatabaseProvider;

  constructor(
    database: Pick<Database, "prisma" | "sql" | "provider">,
    /** Titles, message text and a reply's context are encrypted on write and decrypted on read. */
    private readonly cipher: FieldCipher = new PlaintextFieldCipher(),
  ) {
    this.prisma = database.prisma;
    this.sql = database.sql;
    this.provider = database.provider;
  }

  private async sessionView(row: StoredSessionRow): Promise<Session> {
    return toSession({ ...row, title: await this.cipher.decrypt(row.title, { field: "ChatSession.title", rowId: row.id, userId: row.userId }) });
  }

  private async plainContent(row: StoredMessageRow): Promise<string> {
    return this.cipher.decrypt(row.content, { field: "Message.content", rowId: row.id, userId: row.userId });
  }

  private async messageView<Row extends StoredMessageRow & Parameters<typeof toMessage>[0]>(row: Row): Promise<Message> {
    return toMessage({ ...row, content: await this.plainContent(row) });
  }

  private sealTitle(title: string, sessionId: string, userId: string): Promise<string> {
    return this.cipher.encrypt(title, { field: "ChatSession.title", rowId: sessionId, userId });
  }

  private sealContent(content: string, messageId: string, userId: string): Promise<string> {
    return this.cipher.encrypt(content, { field: "Message.content", rowId: messageId, userId });
  }

  private async sealContext(contextJson: string | undefined, messageId: string, userId: string): Promise<string | null> {
    return contextJson === undefined ? null : this.cipher.encrypt(contextJson, { field: "Message.contextJson", rowId: messageId, userId });
  }

  /** The owner of a streaming reply: remembered when it was created, else read once. */
  private async ownerOf(messageId: string): Promise<string | null> {
    const known = this.streamingOwners.get(messageId);
    if (known) return known;
    const [row] = await this.sql.query<{ userId: string }>('SELECT "userId" FROM "Message" WHERE "id" = ?', [messageId]);
    return row?.userId ?? null;
  }

  async createSession(userId: string, input: NewSession): Promise<Session> {
    // The id is part of the title's associated data, so it is chosen before the insert.
    const id = newId("c");
    const title = input.title ?? defaultSessionTitle;
    const row = await this.prisma.chatSession.create({
      data: { id, userId, title: await this.sealTitle(title, id, userId), model: input.model ?? null },
    });
    return toSession({ ...row, title });
  }

  async listSessions(userId: string, input: { cursor?: string | undefined; limit: number }): Promise<{ items: Session[]; nextCursor: string | null }> {
    if (input.cursor) await this.requireSession(userId, input.cursor);
    const rows = await this.prisma.chatSession.findMany({
      where: { userId },
      orderBy: [{ updatedAt: "desc" }, { id: "desc" }],
      take: input.limit + 1,
      ...(input.cursor ? { cursor: { id: input.cursor }, skip: 1 } : {}),
    });
    const hasMore = rows.length > input.limit;
    const items = await Promise.all(rows.slice(0, input.limit).map((row) => this.sessionView(row)));
    const nextCursor = hasMore ? (items.at(-1)?.id ?? null) : null;
    return { items, nextCursor };
  }

  async searchSessions(userId: string, query: string, limit: number): Promise<SessionSearchHit[]> {
    if (this.cipher.mode === "plaintext") {
      return searchSavedChats(this.prisma, this.provider, userId, query, limit, { session: (row) => this.sessionView(row), content: (row) => this.plainContent(row) });
    }
    const rows = await this.prisma.chatSession.findMany({ where: { userId }, orderBy: [{ updatedAt: "desc" }, { id: "desc" }] });
    const sessions = await Promise.all(rows.map((row) => this.sessionView(row)));
    return searchDecryptedChats({ sessions, turns: await this.searchTurns(userId), query, limit });
  }

  async requireSession(userId: string, sessionId: string): Promise<Session> {
    const row = await this.prisma.chatSession.findFirst({ where: { id: sessionId, userId } });
    if (!row) throw notFound("chat");
    return this.sessionView(row);
  }

  async renameSession(userId: string, sessionId: string, title: string): Promise<Session> {
    await this.requireSession(userId, sessionId);
    const row = await this.prisma.chatSession.update({ where: { id: sessionId }, data: { title: await this.sealTitle(title, sessionId, userId) } });
    return toSession({ ...row, title });
  }

  async deleteSession(userId: string, sessionId: string): Promise<void> {
    const { count } = await this.prisma.chatSession.deleteMany({ where: { id: sessionId, userId } });
    if (count === 0) throw notFound("chat");
  }

  async listMessages(userId: string, input: { sessionId: string; before?: string | undefined; limit: number }): Promise<{ items: Message[]; nextBefore: string | null }> {
    await this.requireSession(userId, input.sessionId);
    if (input.before) await this.requireMessage(userId, input.before, input.sessionId);
    const rows = await this.prisma.message.findMany({
      where: { sessionId: input.sessionId },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: input.limit + 1,
      ...(input.before ? { cursor: { id: input.before }, skip: 1 } : {}),
    });
    const hasMore = rows.length > input.limit;
    const page = rows.slice(0, input.limit).reverse();
    return { items: await Promise.all(page.map((row) => this.messageView(row))), nextBefore: hasMore ? (page[0]?.id ?? null) : null };
  }

  /**
   * Every message of a chat, all branches, oldest first: at most `limit`, the newest ones
   * when there are more. One query, which also proves the chat is the user's.
   */
  async thread(userId: string, sessionId: string, limit: number): Promise<{ messages: Message[]; truncated: boolean }> {
    const row = await this.prisma.chatSession.findFirst({
      where: { id: sessionId, userId },
      select: { messages: { select: { ...messageColumns, userId: true }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: limit + 1 } },
    });
    if (!row) throw notFound("chat");
    return { messages: await Promise.all(row.messages.slice(0, limit).reverse().map((message) => this.messageView(message))), truncated: row.messages.length > limit };
  }

  async requireMessage(userId: string, messageId: string, sessionId?: string): Promise<Message> {
    const row = await this.prisma.message.findFirst({ where: { id: messageId, userId, ...(sessionId ? { sessionId } : {}) } });
    if (!row) throw notFound("message");
    return this.messageView(row);
  }

  /** The chat and its newest message (the default parent, and the one that may still be streaming), in one query. */
  async sessionForSend(userId: string, sessionId: string): Promise<SessionForSend> {
    const [row] = await this.sql.query<StoredSessionRow & { createdAt: unknown; updatedAt: unknown; newestId: string | null; newestStatus: string | null; hasDocuments: unknown }>(
      `SELECT s."id", s."userId", s."title", s."model", s."createdAt", s."updatedAt",
        (SELECT m."id" FROM "Message" m WHERE m."sessionId" = s."id" ORDER BY m."createdAt" DESC, m."id" DESC LIMIT 1) AS "newestId",
        (SELECT m."status" FROM "Message" m WHERE m."sessionId" = s."id" ORDER BY m."createdAt" DESC, m."id" DESC LIMIT 1) AS "newestStatus",
        EXISTS (SELECT 1 FROM "DocumentAttachment" a WHERE a."sessionId" = s."id") AS "hasDocuments"
      FROM "ChatSession" s WHERE s."id" = ? AND s."userId" = ?`,
      [sessionId, userId],
    );
    if (!row) throw notFound("chat");
    const session = await this.sessionView({ ...row, createdAt: sqlDate(row.createdAt), updatedAt: sqlDate(row.updatedAt) });
    return {
      session,
      newest: row.newestId !== null && row.newestStatus !== null ? { id: row.newestId, status: row.newestStatus } : null,
      hasDocuments: Boolean(Number(row.hasDocuments)),
    };
  }

  async findStreamingMessage(sessionId: string): Promise<string | null> {
    const row = await this.prisma.message.findFirst({ where: { sessionId, status: "streaming" }, select: { id: true } });
    return row?.id ?? null;
  }

  /**
   * Persists the user's message and the empty `streaming` assistant reply in one
   * transaction, so neither can exist without the other.
   */
  async createExchange(input: NewExchange): Promise<{ userMessage: Message; assistantMessage: Message }> {
    const now = Date.now();
    const isFirstMessage = input.parentId === null && input.session.title === defaultSessionTitle;
    // Ids made here let the three writes go as one batch transaction (cheaper than an interactive one).
    const userMessageId = newId();
    const assistantMessageId = newId();
    const { userId } = input;
    const [userContent, emptyReply, contextJson, title] = await Promise.all([
      this.sealContent(input.content, userMessageId, userId),
      this.sealContent("", assistantMessageId, userId),
      this.sealContext(input.contextJson, assistantMessageId, userId),
      isFirstMessage ? this.sealTitle(titleFromContent(input.content), input.session.id, userId) : null,
    ]);
    this.streamingOwners.set(assistantMessageId, userId);
    const sessionId = input.session.id;
    const [asked, answered] = [new Date(now), new Date(now + 1)];
    await this.sql.transaction([
      {
        sql: 'INSERT INTO "Message" ("id", "sessionId", "userId", "parentId", "role", "content", "status", "createdAt", "updatedAt") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        args: [userMessageId, sessionId, userId, input.parentId, "user", userContent, "complete", asked, asked],
      },
      {
        // One millisecond later keeps (createdAt, id) ordering stable within the exchange.
        sql: 'INSERT INTO "Message" ("id", "sessionId", "userId", "parentId", "role", "content", "status", "model", "contextJson", "createdAt", "updatedAt") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        args: [assistantMessageId, sessionId, userId, userMessageId, "assistant", emptyReply, "streaming", input.model, contextJson, answered, answered],
      },
      title !== null
        ? { sql: 'UPDATE "ChatSession" SET "model" = ?, "title" = ?, "updatedAt" = ? WHERE "id" = ?', args: [input.model, title, answered, sessionId] }
        : { sql: 'UPDATE "ChatSession" SET "model" = ?, "updatedAt" = ? WHERE "id" = ?', args: [input.model, answered, sessionId] },
    ]);
    const row = { sessionId, model: null, promptTokens: null, completionTokens: null, error: null, sourcesJson: null, contextJson: null };
    return {
      userMessage: toMessage({ ...row, id: userMessageId, parentId: input.parentId, role: "user", content: input.content, status: "complete", createdAt: asked, updatedAt: asked }),
      assistantMessage: toMessage({ ...row, id: assistantMessageId, parentId: userMessageId, role: "assistant", content: "", status: "streaming", model: input.model, createdAt: answered, updatedAt: answered }),
    };
  }

  /** Saves a new empty `streaming` reply to an existing user message: a sibling of its earlier replies. */
  async createReply(input: NewReply): Promise<Message> {
    const id = newId();
    const [emptyReply, contextJson] = await Promise.all([this.sealContent("", id, input.userId), this.sealContext(input.contextJson, id, input.userId)]);
    this.streamingOwners.set(id, input.userId);
    const [row] = await this.prisma.$transaction([
      this.prisma.message.create({
        data: {
          id,
          sessionId: input.session.id,
          userId: input.userId,
          parentId: input.parentId,
          role: "assistant",
          content: emptyReply,
          status: "streaming",
          model: input.model,
          contextJson,
        },
      }),
      // As a send does: the chat moves to the top of the list and remembers the model.
      this.prisma.chatSession.update({ where: { id: input.session.id }, data: { model: input.model } }),
    ]);
    return toMessage({ ...row, content: "" });
  }

  /**
   * The branch that ends at `leafId`, oldest first, at most `limit` messages. Reads
   * recent messages in pages instead of the whole chat.
   */
  async branchHistory(sessionId: string, leafId: string, limit: number, reach?: BranchReach): Promise<HistoryMessage[]> {
    const byId = new Map<string, HistoryMessage>();
    const branch: HistoryMessage[] = [];
    const pageSize = Math.max(limit * 4, 64);
    let cursor: string | null = null;
    let exhausted = false;
    let nextId: string | null = leafId;
    const wanted = wantsMore(limit, reach);
    while (nextId !== null && wanted(branch)) {
      const current = byId.get(nextId);
      if (current) {
        branch.push(current);
        nextId = current.parentId;
        continue;
      }
      if (exhausted) break;
      const stored: Array<HistoryMessage & { userId: string }> = (await this.prisma.message.findMany({
        where: { sessionId },
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        take: pageSize,
        ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
        select: { id: true, userId: true, parentId: true, role: true, content: true, status: true, createdAt: true },
      })) as Array<HistoryMessage & { userId: string }>;
      const rows: HistoryMessage[] = await Promise.all(stored.map(async ({ userId, ...row }) => ({ ...row, content: await this.plainContent({ ...row, userId }) })));
      for (const row of rows) byId.set(row.id, row);
      cursor = rows.at(-1)?.id ?? cursor;
      exhausted = rows.length < pageSize;
    }
    return branch.reverse();
  }

  /**
   * Messages of the chat on other branches than the one ending at `leafId`: edited-away or
   * replaced turns that recall must leave out.
   */
  async offBranchMessageIds(sessionId: string, leafId: string | null): Promise<string[]> {
    // The common case, on every send: a chat that never forked, answered at its newest message.
    // Asked in SQL so a long chat's rows are not read into memory just to find nothing.
    if (leafId !== null) {
      const [shape] = await this.sql.query<{ forks: number | bigint | string; leafChildren: number | bigint | string }>(
        `SELECT
          (SELECT COUNT(*) FROM (SELECT "parentId" FROM "Message" WHERE "sessionId" = ? GROUP BY "parentId" HAVING COUNT(*) > 1) AS "forked") AS "forks",
          (SELECT COUNT(*) FROM "Message" WHERE "sessionId" = ? AND "parentId" = ?) AS "leafChildren"`,
        [sessionId, sessionId, leafId],
      );
      if (shape && Number(shape.forks) === 0 && Number(shape.leafChildren) === 0) return [];
    }
    const rows = await this.prisma.message.findMany({ where: { sessionId }, select: { id: true, parentId: true } });
    return messagesOffBranch(rows, leafId);
  }

  /** Every finished turn of a user, for their recall index. */
  async recallTurns(userId: string): Promise<RecallTurn[]> {
    const rows = await this.prisma.message.findMany({
      where: { userId, role: { in: ["user", "assistant"] }, status: { in: ["complete", "interrupted"] } },
      select: { id: true, sessionId: true, role: true, content: true, createdAt: true },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    });
    return Promise.all(rows.map(async (row) => ({ ...row, role: row.role as RecallTurn["role"], content: await this.plainContent({ ...row, userId }) })));
  }

  /** The assembled-context metadata of a reply, with the counts Ollama reported. */
  async contextOf(userId: string, messageId: string): Promise<ReplyContextRow> {
    const [row] = await this.sql.query<{ sessionId: string; contextJson: string | null; promptTokens: number | null; completionTokens: number | null }>(
      'SELECT "sessionId", "contextJson", "promptTokens", "completionTokens" FROM "Message" WHERE "id" = ? AND "userId" = ?',
      [messageId, userId],
    );
    if (!row) throw notFound("message");
    const contextJson = row.contextJson === null ? null : await this.cipher.decrypt(row.contextJson, { field: "Message.contextJson", rowId: messageId, userId });
    return { ...row, contextJson };
  }

  /** The user's turns with these ids, in the order given; ids deleted since (or not theirs) are skipped. */
  async turnsByIds(userId: string, ids: readonly string[]): Promise<TurnView[]> {
    if (ids.length === 0) return [];
    const rows = await this.prisma.message.findMany({
      where: { userId, id: { in: [...ids] } },
      select: { id: true, sessionId: true, role: true, content: true, createdAt: true },
    });
    const turns = await Promise.all(
      rows.map(async (row): Promise<TurnView> => ({ ...row, role: row.role as TurnView["role"], content: await this.plainContent({ ...row, userId }), createdAt: row.createdAt.toISOString() })),
    );
    const byId = new Map<string, TurnView>(turns.map((turn) => [turn.id, turn]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  async checkpoint(messageId: string, content: string): Promise<void> {
    const userId = await this.ownerOf(messageId);
    if (userId === null) return;
    // Only while still streaming: a late checkpoint must never overwrite a final state.
    await this.sql.execute('UPDATE "Message" SET "content" = ?, "updatedAt" = ? WHERE "id" = ? AND "status" = ?', [await this.sealContent(content, messageId, userId), new Date(), messageId, "streaming"]);
  }

  async finish(messageId: string, result: FinishedReply): Promise<void> {
    const userId = await this.ownerOf(messageId);
    // The reply's row is gone (its chat was deleted): as before, the update below fails.
    const content = userId === null ? result.content : await this.sealContent(result.content, messageId, userId);
    this.streamingOwners.delete(messageId);
    const values = [result.status, content, result.promptTokens ?? null, result.completionTokens ?? null, result.error ?? null, new Date()];
    const changed = result.sources
      ? await this.sql.execute('UPDATE "Message" SET "status" = ?, "content" = ?, "promptTokens" = ?, "completionTokens" = ?, "error" = ?, "updatedAt" = ?, "sourcesJson" = ? WHERE "id" = ?', [...values, storedSourcesJson(result.sources), messageId])
      : await this.sql.execute('UPDATE "Message" SET "status" = ?, "content" = ?, "promptTokens" = ?, "completionTokens" = ?, "error" = ?, "updatedAt" = ? WHERE "id" = ?', [...values, messageId]);
    // The reply's row is gone (its chat was deleted meanwhile): say so, as Prisma's update did.
    if (changed === 0) throw notFound("message");
  }

  async chatWithMessages(userId: string, sessionId: string): Promise<ChatWithMessages> {
    const row = await this.prisma.chatSession.findFirst({
      where: { id: sessionId, userId },
      include: { messages: { orderBy: [{ createdAt: "asc" }, { id: "asc" }] } },
    });
    if (!row) throw notFound("chat");
    return { session: await this.sessionView(row), messages: await Promise.all(row.messages.map((message) => this.messageView(message))) };
  }

  async allChatsWithMessages(userId: string): Promise<ChatWithMessages[]> {
    const rows = await this.prisma.chatSession.findMany({
      where: { userId },
      orderBy: [{ updatedAt: "desc" }, { id: "desc" }],
      include: { messages: { orderBy: [{ createdAt: "asc" }, { id: "asc" }] } },
    });
    return Promise.all(
      rows.map(async (row) => ({ session: await this.sessionView(row), messages: await Promise.all(row.messages.map((message) => this.messageView(message))) })),
    );
  }

  async streamingMessageIds(userId: string): Promise<string[]> {
    const rows = await this.prisma.message.findMany({ where: { userId, status: "streaming" }, select: { id: true } });
    return rows.map((row) => row.id);
  }

  async sessionIds(userId: string): Promise<string[]> {
    const rows = await this.prisma.chatSession.findMany({ where: { userId }, select: { id: true } });
    return rows.map((row) => row.id);
  }

  /** Deletes the chats; the schema cascades them to messages, summaries and episodes. Counts are taken in the same transaction. */
  async deleteAllChats(userId: string): Promise<{ chats: number; messages: number }> {
    const [chats, messages] = await this.prisma.$transaction([
      this.prisma.chatSession.count({ where: { userId } }),
      this.prisma.message.count({ where: { userId } }),
      this.prisma.chatSession.deleteMany({ where: { userId } }),
    ]);
    return { chats, messages };
  }

  /** Scaled mode's orphan sweep (`streams/orphan-sweeper.ts`): replies still streaming, oldest ids first. */
  async streamingReplies(createdBefore: Date, afterId: string | null, take: number): Promise<string[]> {
    const rows = await this.prisma.message.findMany({
      where: { status: "streaming", role: "assistant", createdAt: { lt: createdBefore }, ...(afterId === null ? {} : { id: { gt: afterId } }) },
      orderBy: { id: "asc" },
      take,
      select: { id: true },
    });
    return rows.map((row) => row.id);
  }

  /** Ends a reply whose instance died `interrupted`, if still streaming, with the longer of its checkpoint and what was streamed. */
  async interruptOrphan(messageId: string, streamedText: string | null): Promise<boolean> {
    const row = await this.prisma.message.findUnique({ where: { id: messageId }, select: { id: true, userId: true, content: true, status: true } });
    if (row?.status !== "streaming") return false;
    const checkpointed = await this.plainContent(row);
    const content = streamedText !== null && streamedText.length > checkpointed.length ? streamedText : null;
    const { count } = await this.prisma.message.updateMany({
      where: { id: messageId, status: "streaming" },
      data: { status: "interrupted", error: "The server stopped before this reply finished.", ...(content === null ? {} : { content: await this.sealContent(content, messageId, row.userId) }) },
    });
    this.streamingOwners.delete(messageId);
    return count > 0;
  }

  /** At start-up: replies left `streaming` by a crash can no longer finish. */
  async interruptOrphanedStreams(): Promise<number> {
    const { count } = await this.prisma.message.updateMany({
      where: { status: "streaming" },
      data: { status: "interrupted", error: "The server stopped before this reply finished." },
    });
    return count;
  }
}
