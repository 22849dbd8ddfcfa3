import { Prisma, type DatabaseProvider, type PrismaClient } from "@recall/db";
import type { RecallTurn } from "@recall/memory";
import type { Message, Session } from "@recall/schema";
import { randomBytes } from "node:crypto";
import { TRPCError } from "@trpc/server";
import { searchSavedChats, type SessionSearchHit } from "./chat-search.ts";
import { messagesOffBranch } from "./branch.ts";
import { isEphemeralId, type EphemeralChatStore } from "./ephemeral-store.ts";
import { messageColumns, titleFromContent, toMessage, toSession } from "./serialize.ts";

export const defaultSessionTitle = "New chat";

/** Time-ordered, URL-safe message ids: base36 milliseconds, then 80 random bits. */
export function newId(): string {
  return `m${Date.now().toString(36)}${randomBytes(10).toString("base64url")}`;
}

/** A message as the prompt builder needs it. */
export interface HistoryMessage {
  id: string;
  parentId: string | null;
  role: "system" | "user" | "assistant";
  content: string;
  status: string;
  createdAt: Date;
}

/** A message as shown outside its chat (recalled turns): no tokens, no status. */
export interface TurnView {
  id: string;
  sessionId: string;
  role: Message["role"];
  content: string;
  createdAt: string;
}

export interface ReplyContextRow {
  sessionId: string;
  contextJson: string | null;
  promptTokens: number | null;
  completionTokens: number | null;
}

export function notFound(what: "chat" | "message" | "remembered fact" | "episode"): TRPCError {
  // The same answer for "does not exist" and "belongs to someone else": ids reveal nothing.
  return new TRPCError({ code: "NOT_FOUND", message: `That ${what} does not exist or is not yours.` });
}

/** Every read and write is scoped to its owner here; routers never query Prisma directly. */
/** Walk further back than `limit` until this message (null: the chat's first) is included, but never past `atMost` messages. */
export interface BranchReach {
  backTo: string | null;
  atMost: number;
}

/** Whether a branch walk that has collected `branch` (newest first) should go on. */
export function wantsMore(limit: number, reach: BranchReach | undefined): (branch: readonly { id: string }[]) => boolean {
  let reached = false;
  return (branch) => {
    if (reach !== undefined && reach.backTo !== null && branch.at(-1)?.id === reach.backTo) reached = true;
    if (branch.length < limit) return true;
    return reach !== undefined && !reached && branch.length < reach.atMost;
  };
}

export class ChatStore {
  constructor(
    private readonly prisma: PrismaClient,
    /** Ephemeral chats (ids starting `e_`) are answered from memory, never from the database. */
    readonly ephemeral: EphemeralChatStore,
    /** Only search differs by provider (LIKE or ILIKE). */
    private readonly provider: DatabaseProvider,
  ) {}

  async createUser(): Promise<string> {
    const user = await this.prisma.user.create({ data: {} });
    return user.id;
  }

  async userExists(userId: string): Promise<boolean> {
    return (await this.prisma.user.count({ where: { id: userId } })) > 0;
  }

  async createSession(userId: string, input: { title?: string | undefined; model?: string | undefined; ephemeral?: boolean | undefined }): Promise<Session> {
    if (input.ephemeral) return this.ephemeral.createSession(userId, input);
    const row = await this.prisma.chatSession.create({
      data: { userId, title: input.title ?? defaultSessionTitle, model: input.model ?? null },
    });
    return toSession(row);
  }

  async listSessions(userId: string, input: { cursor?: string | undefined; limit: number }): Promise<{ items: Session[]; nextCursor: string | null }> {
    if (input.cursor && isEphemeralId(input.cursor)) throw new TRPCError({ code: "BAD_REQUEST", message: "Page with the cursor of a saved chat." });
    if (input.cursor) await this.requireSession(userId, input.cursor);
    const rows = await this.prisma.chatSession.findMany({
      where: { userId },
      orderBy: [{ updatedAt: "desc" }, { id: "desc" }],
      take: input.limit + 1,
      ...(input.cursor ? { cursor: { id: input.cursor }, skip: 1 } : {}),
    });
    const hasMore = rows.length > input.limit;
    const items = rows.slice(0, input.limit).map(toSession);
    const nextCursor = hasMore ? (items.at(-1)?.id ?? null) : null;
    // Ephemeral chats come first on the first page: there are few, and they are the live ones.
    return { items: input.cursor ? items : [...this.ephemeral.listSessions(userId), ...items], nextCursor };
  }

  /** Chats whose title or any message contains `query`, ignoring case, newest first, ephemeral ones included. */
  async searchSessions(userId: string, query: string, limit: number): Promise<SessionSearchHit[]> {
    const saved = await searchSavedChats(this.prisma, this.provider, userId, query, limit);
    return [...this.ephemeral.searchSessions(userId, query, limit), ...saved]
      .sort((left, right) => right.session.updatedAt.localeCompare(left.session.updatedAt))
      .slice(0, limit);
  }

  async requireSession(userId: string, sessionId: string): Promise<Session> {
    if (isEphemeralId(sessionId)) return this.ephemeral.requireSession(userId, sessionId);
    const row = await this.prisma.chatSession.findFirst({ where: { id: sessionId, userId } });
    if (!row) throw notFound("chat");
    return toSession(row);
  }

  async renameSession(userId: string, sessionId: string, title: string): Promise<Session> {
    if (isEphemeralId(sessionId)) return this.ephemeral.renameSession(userId, sessionId, title);
    await this.requireSession(userId, sessionId);
    return toSession(await this.prisma.chatSession.update({ where: { id: sessionId }, data: { title } }));
  }

  async deleteSession(userId: string, sessionId: string): Promise<void> {
    if (isEphemeralId(sessionId)) return this.ephemeral.deleteSession(userId, sessionId);
    const { count } = await this.prisma.chatSession.deleteMany({ where: { id: sessionId, userId } });
    if (count === 0) throw notFound("chat");
  }

  async listMessages(userId: string, input: { sessionId: string; before?: string | undefined; limit: number }): Promise<{ items: Message[]; nextBefore: string | null }> {
    if (isEphemeralId(input.sessionId)) return this.ephemeral.listMessages(userId, input);
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
    return { items: page.map(toMessage), nextBefore: hasMore ? (page[0]?.id ?? null) : null };
  }

  /**
   * Every message of a chat, all branches, oldest first: at most `limit`, the newest ones
   * when there are more. One query, which also proves the chat is the user's.
   */
  async thread(userId: string, sessionId: string, limit: number): Promise<{ messages: Message[]; truncated: boolean }> {
    if (isEphemeralId(sessionId)) return this.ephemeral.thread(userId, sessionId, limit);
    const row = await this.prisma.chatSession.findFirst({
      where: { id: sessionId, userId },
      select: { messages: { select: messageColumns, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: limit + 1 } },
    });
    if (!row) throw notFound("chat");
    return { messages: row.messages.slice(0, limit).reverse().map(toMessage), truncated: row.messages.length > limit };
  }

  async requireMessage(userId: string, messageId: string, sessionId?: string): Promise<Message> {
    if (isEphemeralId(messageId)) return this.ephemeral.requireMessage(userId, messageId, sessionId);
    const row = await this.prisma.message.findFirst({ where: { id: messageId, userId, ...(sessionId ? { sessionId } : {}) } });
    if (!row) throw notFound("message");
    return toMessage(row);
  }

  /** The chat and its newest message (the default parent, and the one that may still be streaming), in one query. */
  async sessionForSend(userId: string, sessionId: string): Promise<{ session: Session; newest: { id: string; status: string } | null }> {
    if (isEphemeralId(sessionId)) return this.ephemeral.sessionForSend(userId, sessionId);
    const row = await this.prisma.chatSession.findFirst({
      where: { id: sessionId, userId },
      include: { messages: { orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: 1, select: { id: true, status: true } } },
    });
    if (!row) throw notFound("chat");
    return { session: toSession(row), newest: row.messages[0] ?? null };
  }

  async findStreamingMessage(sessionId: string): Promise<string | null> {
    if (isEphemeralId(sessionId)) return this.ephemeral.findStreamingMessage(sessionId);
    const row = await this.prisma.message.findFirst({ where: { sessionId, status: "streaming" }, select: { id: true } });
    return row?.id ?? null;
  }

  /**
   * Persists the user's message and the empty `streaming` assistant reply in one
   * transaction, so neither can exist without the other.
   */
  async createExchange(input: {
    userId: string;
    session: Session;
    parentId: string | null;
    content: string;
    model: string;
    /** What memory assembled for the reply (JSON). */
    contextJson?: string;
  }): Promise<{ userMessage: Message; assistantMessage: Message }> {
    if (input.session.ephemeral) return this.ephemeral.createExchange(input);
    const now = Date.now();
    const isFirstMessage = input.parentId === null && input.session.title === defaultSessionTitle;
    // Ids made here let the three writes go as one batch transaction (cheaper than an interactive one).
    const userMessageId = newId();
    const [userRow, assistantRow] = await this.prisma.$transaction([
      this.prisma.message.create({
        data: {
          id: userMessageId,
          sessionId: input.session.id,
          userId: input.userId,
          parentId: input.parentId,
          role: "user",
          content: input.content,
          status: "complete",
          createdAt: new Date(now),
        },
      }),
      this.prisma.message.create({
        data: {
          id: newId(),
          sessionId: input.session.id,
          userId: input.userId,
          parentId: userMessageId,
          role: "assistant",
          content: "",
          status: "streaming",
          model: input.model,
          contextJson: input.contextJson ?? null,
          // One millisecond later keeps (createdAt, id) ordering stable within the exchange.
          createdAt: new Date(now + 1),
        },
      }),
      this.prisma.chatSession.update({
        where: { id: input.session.id },
        data: { model: input.model, ...(isFirstMessage ? { title: titleFromContent(input.content) } : {}) },
      }),
    ]);
    return { userMessage: toMessage(userRow), assistantMessage: toMessage(assistantRow) };
  }

  /** Saves a new empty `streaming` reply to an existing user message: a sibling of its earlier replies. */
  async createReply(input: { userId: string; session: Session; parentId: string; model: string; contextJson?: string }): Promise<Message> {
    if (input.session.ephemeral) return this.ephemeral.createReply(input);
    const [row] = await this.prisma.$transaction([
      this.prisma.message.create({
        data: {
          id: newId(),
          sessionId: input.session.id,
          userId: input.userId,
          parentId: input.parentId,
          role: "assistant",
          content: "",
          status: "streaming",
          model: input.model,
          contextJson: input.contextJson ?? null,
        },
      }),
      // As a send does: the chat moves to the top of the list and remembers the model.
      this.prisma.chatSession.update({ where: { id: input.session.id }, data: { model: input.model } }),
    ]);
    return toMessage(row);
  }

  /**
   * The branch that ends at `leafId`, oldest first, at most `limit` messages. Reads
   * recent messages in pages instead of the whole chat.
   */
  async branchHistory(sessionId: string, leafId: string, limit: number, reach?: BranchReach): Promise<HistoryMessage[]> {
    if (isEphemeralId(sessionId)) return this.ephemeral.branchHistory(sessionId, leafId, limit, reach);
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
      const rows: HistoryMessage[] = (await this.prisma.message.findMany({
        where: { sessionId },
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        take: pageSize,
        ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
        select: { id: true, parentId: true, role: true, content: true, status: true, createdAt: true },
      })) as HistoryMessage[];
      for (const row of rows) byId.set(row.id, row);
      cursor = rows.at(-1)?.id ?? cursor;
      exhausted = rows.length < pageSize;
    }
    return branch.reverse();
  }

  /**
   * Messages of the chat on other branches than the one ending at `leafId`: edited-away or
   * replaced turns that recall must leave out. Ephemeral chats are never in a recall index.
   */
  async offBranchMessageIds(sessionId: string, leafId: string | null): Promise<string[]> {
    if (isEphemeralId(sessionId)) return [];
    // The common case, on every send: a chat that never forked, answered at its newest message.
    // Asked in SQL so a long chat's rows are not read into memory just to find nothing.
    if (leafId !== null) {
      const [shape] = await this.prisma.$queryRaw<Array<{ forks: number | bigint; leafChildren: number | bigint }>>(Prisma.sql`
        SELECT
          (SELECT COUNT(*) FROM (SELECT "parentId" FROM "Message" WHERE "sessionId" = ${sessionId} GROUP BY "parentId" HAVING COUNT(*) > 1) AS "forked") AS "forks",
          (SELECT COUNT(*) FROM "Message" WHERE "sessionId" = ${sessionId} AND "parentId" = ${leafId}) AS "leafChildren"`);
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
    return rows.map((row) => ({ ...row, role: row.role as RecallTurn["role"] }));
  }

  /** The assembled-context metadata of a reply, with the counts Ollama reported. */
  async contextOf(userId: string, messageId: string): Promise<ReplyContextRow> {
    if (isEphemeralId(messageId)) return this.ephemeral.contextOf(userId, messageId);
    const row = await this.prisma.message.findFirst({
      where: { id: messageId, userId },
      select: { sessionId: true, contextJson: true, promptTokens: true, completionTokens: true },
    });
    if (!row) throw notFound("message");
    return row;
  }

  /** The user's turns with these ids, in the order given; ids deleted since (or not theirs) are skipped. */
  async turnsByIds(userId: string, ids: readonly string[]): Promise<TurnView[]> {
    const savedIds = ids.filter((id) => !isEphemeralId(id));
    const rows =
      savedIds.length > 0
        ? await this.prisma.message.findMany({
            where: { userId, id: { in: savedIds } },
            select: { id: true, sessionId: true, role: true, content: true, createdAt: true },
          })
        : [];
    const byId = new Map<string, TurnView>(rows.map((row) => [row.id, { ...row, role: row.role as TurnView["role"], createdAt: row.createdAt.toISOString() }]));
    for (const turn of this.ephemeral.turnsByIds(userId, ids.filter(isEphemeralId))) byId.set(turn.id, turn);
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  async checkpoint(messageId: string, content: string): Promise<void> {
    if (isEphemeralId(messageId)) return this.ephemeral.checkpoint(messageId, content);
    // Only while still streaming: a late checkpoint must never overwrite a final state.
    await this.prisma.message.updateMany({ where: { id: messageId, status: "streaming" }, data: { content } });
  }

  async finish(
    messageId: string,
    result: { status: "complete" | "interrupted" | "error"; content: string; promptTokens?: number | null; completionTokens?: number | null; error?: string | null },
  ): Promise<void> {
    if (isEphemeralId(messageId)) return this.ephemeral.finish(messageId, result);
    await this.prisma.message.update({
      where: { id: messageId },
      data: {
        status: result.status,
        content: result.content,
        promptTokens: result.promptTokens ?? null,
        completionTokens: result.completionTokens ?? null,
        error: result.error ?? null,
      },
    });
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
