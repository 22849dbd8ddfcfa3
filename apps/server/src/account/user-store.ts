import type { PrismaClient } from "@recall/db";
import type { Message, Session } from "@recall/schema";
import { notFound } from "../chat/chat-store.ts";
import { isEphemeralId, type EphemeralChatStore } from "../chat/ephemeral-store.ts";
import { toMessage, toSession } from "../chat/serialize.ts";

/** One chat as exported: the session and every message of its tree, oldest first. */
export interface ChatWithMessages {
  session: Session;
  messages: Message[];
}

export interface DeletedCounts {
  chats: number;
  messages: number;
  facts: number;
  episodes: number;
}

/** Every message of an ephemeral chat: its store pages from the newest, so ask for all of them. */
const allMessages = Number.MAX_SAFE_INTEGER;

/**
 * Reads and deletes a user's data as a whole (export, "delete my data"). Scoped to
 * its owner like ChatStore; ephemeral chats are answered from memory.
 */
export class UserDataStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly ephemeral: EphemeralChatStore,
  ) {}

  async chat(userId: string, sessionId: string): Promise<ChatWithMessages> {
    if (isEphemeralId(sessionId)) return this.ephemeralChat(userId, sessionId);
    const row = await this.prisma.chatSession.findFirst({
      where: { id: sessionId, userId },
      include: { messages: { orderBy: [{ createdAt: "asc" }, { id: "asc" }] } },
    });
    if (!row) throw notFound("chat");
    return { session: toSession(row), messages: row.messages.map(toMessage) };
  }

  /** Every chat of the user, ephemeral ones first, then newest first like the sidebar. */
  async allChats(userId: string): Promise<ChatWithMessages[]> {
    const rows = await this.prisma.chatSession.findMany({
      where: { userId },
      orderBy: [{ updatedAt: "desc" }, { id: "desc" }],
      include: { messages: { orderBy: [{ createdAt: "asc" }, { id: "asc" }] } },
    });
    const ephemeralChats = this.ephemeral.listSessions(userId).map((session) => this.ephemeralChat(userId, session.id));
    return [...ephemeralChats, ...rows.map((row) => ({ session: toSession(row), messages: row.messages.map(toMessage) }))];
  }

  /** Replies of the user still being written, saved and ephemeral. */
  async streamingMessageIds(userId: string): Promise<string[]> {
    const rows = await this.prisma.message.findMany({ where: { userId, status: "streaming" }, select: { id: true } });
    const ephemeralIds = this.ephemeral
      .listSessions(userId)
      .map((session) => this.ephemeral.findStreamingMessage(session.id))
      .filter((id): id is string => id !== null);
    return [...rows.map((row) => row.id), ...ephemeralIds];
  }

  async sessionIds(userId: string): Promise<string[]> {
    const rows = await this.prisma.chatSession.findMany({ where: { userId }, select: { id: true } });
    return rows.map((row) => row.id);
  }

  /** Forgets the user's ephemeral chats. Returns what went. */
  deleteEphemeralChats(userId: string): { chats: number; messages: number } {
    let chats = 0;
    let messages = 0;
    for (const session of this.ephemeral.listSessions(userId)) {
      messages += this.ephemeral.listMessages(userId, { sessionId: session.id, limit: allMessages }).items.length;
      this.ephemeral.deleteSession(userId, session.id);
      chats += 1;
    }
    return { chats, messages };
  }

  /**
   * Deletes the User row; the schema cascades it to sessions, messages (and through
   * sessions to summaries), episodes and profile facts. Counts are taken in the same
   * transaction.
   */
  async deleteUser(userId: string): Promise<DeletedCounts> {
    const [chats, messages, facts, episodes] = await this.prisma.$transaction([
      this.prisma.chatSession.count({ where: { userId } }),
      this.prisma.message.count({ where: { userId } }),
      this.prisma.profileFact.count({ where: { userId } }),
      this.prisma.episode.count({ where: { userId } }),
      this.prisma.user.deleteMany({ where: { id: userId } }),
    ]);
    return { chats, messages, facts, episodes };
  }

  private ephemeralChat(userId: string, sessionId: string): ChatWithMessages {
    const session = this.ephemeral.requireSession(userId, sessionId);
    return { session, messages: this.ephemeral.listMessages(userId, { sessionId, limit: allMessages }).items };
  }
}
