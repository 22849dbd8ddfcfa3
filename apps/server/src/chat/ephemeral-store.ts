import { randomBytes } from "node:crypto";
import type { Message, Session } from "@recall/schema";
import { notFound } from "../domain-errors.ts";
import { containsIgnoringCase, snippetAround, type SessionSearchHit } from "./chat-search.ts";
import {
  defaultSessionTitle,
  ephemeralPrefix,
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
import { titleFromContent } from "./serialize.ts";

function newEphemeralId(): string {
  return `${ephemeralPrefix}${Date.now().toString(36)}${randomBytes(10).toString("base64url")}`;
}

interface StoredMessage extends Message {
  userId: string;
  contextJson: string | null;
}

interface EphemeralChat {
  userId: string;
  session: Session;
  messages: StoredMessage[];
  lastActivity: number;
}

/**
 * Temporary chats, living only in this process's memory: nothing is written to the database,
 * the cache or the memory layers, and a chat idle past its TTL is forgotten entirely. Its ids
 * start with `ephemeralPrefix`, which is how `RoutingChatRepository` sends calls here.
 */
export class EphemeralChatStore implements ChatRepository {
  private readonly chats = new Map<string, EphemeralChat>();
  private readonly messageChat = new Map<string, string>();
  /** Each user's ephemeral chats: listing them must not walk everyone's. */
  private readonly userChats = new Map<string, Set<string>>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly idleTtlMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.sweeper = setInterval(() => this.sweep(), Math.max(100, Math.min(60_000, Math.round(idleTtlMs / 4))));
    this.sweeper.unref();
  }

  close(): void {
    clearInterval(this.sweeper);
    this.chats.clear();
    this.messageChat.clear();
    this.userChats.clear();
  }

  /** Forgets chats idle past the TTL. Returns how many went. */
  sweep(): number {
    const cutoff = this.now() - this.idleTtlMs;
    let removed = 0;
    for (const [id, chat] of this.chats) {
      if (chat.lastActivity > cutoff || chat.messages.some((message) => message.status === "streaming")) continue;
      this.forget(id, chat);
      removed += 1;
    }
    return removed;
  }

  async createSession(userId: string, input: NewSession): Promise<Session> {
    const at = new Date(this.now()).toISOString();
    const session: Session = { id: newEphemeralId(), title: input.title ?? defaultSessionTitle, model: input.model ?? null, ephemeral: true, createdAt: at, updatedAt: at };
    this.chats.set(session.id, { userId, session, messages: [], lastActivity: this.now() });
    let owned = this.userChats.get(userId);
    if (!owned) this.userChats.set(userId, (owned = new Set()));
    owned.add(session.id);
    return session;
  }

  async listSessions(userId: string, page: { cursor?: string | undefined; limit: number }): Promise<{ items: Session[]; nextCursor: string | null }> {
    const sessions = this.sessionsOf(userId);
    const start = page.cursor ? sessions.findIndex((session) => session.id === page.cursor) + 1 : 0;
    if (start === 0 && page.cursor) throw notFound("chat");
    const items = sessions.slice(start, start + page.limit);
    return { items, nextCursor: start + page.limit < sessions.length ? (items.at(-1)?.id ?? null) : null };
  }

  private sessionsOf(userId: string): Session[] {
    return [...(this.userChats.get(userId) ?? [])]
      .map((sessionId) => this.chats.get(sessionId)?.session)
      .filter((session): session is Session => session !== undefined)
      .sort((left, right) => right.updatedAt.localeCompare(left.updatedAt));
  }

  /** Same answer as the saved chats' search: title first, else the oldest matching message. */
  async searchSessions(userId: string, query: string, limit: number): Promise<SessionSearchHit[]> {
    const hits: SessionSearchHit[] = [];
    for (const session of this.sessionsOf(userId)) {
      if (hits.length >= limit) break;
      if (containsIgnoringCase(session.title, query)) {
        hits.push({ session, match: "title", snippet: null, messageId: null });
        continue;
      }
      const message = this.chats.get(session.id)?.messages.find((candidate) => containsIgnoringCase(candidate.content, query));
      if (message) hits.push({ session, match: "content", snippet: snippetAround(message.content, query), messageId: message.id });
    }
    return hits;
  }

  async requireSession(userId: string, sessionId: string): Promise<Session> {
    return this.chat(userId, sessionId).session;
  }

  async renameSession(userId: string, sessionId: string, title: string): Promise<Session> {
    const chat = this.chat(userId, sessionId);
    chat.session = { ...chat.session, title, updatedAt: new Date(this.now()).toISOString() };
    return chat.session;
  }

  async deleteSession(userId: string, sessionId: string): Promise<void> {
    this.forget(sessionId, this.chat(userId, sessionId));
  }

  async listMessages(userId: string, input: { sessionId: string; before?: string | undefined; limit: number }): Promise<{ items: Message[]; nextBefore: string | null }> {
    const chat = this.chat(userId, input.sessionId);
    const end = input.before ? chat.messages.findIndex((message) => message.id === input.before) : chat.messages.length;
    if (end === -1) throw notFound("message");
    const start = Math.max(0, end - input.limit);
    return { items: chat.messages.slice(start, end).map(publicMessage), nextBefore: start > 0 ? (chat.messages[start]?.id ?? null) : null };
  }

  async thread(userId: string, sessionId: string, limit: number): Promise<{ messages: Message[]; truncated: boolean }> {
    const { messages } = this.chat(userId, sessionId);
    return { messages: messages.slice(Math.max(0, messages.length - limit)).map(publicMessage), truncated: messages.length > limit };
  }

  async requireMessage(userId: string, messageId: string, sessionId?: string): Promise<Message> {
    const message = this.stored(messageId);
    if (!message || message.userId !== userId || (sessionId && message.sessionId !== sessionId)) throw notFound("message");
    return publicMessage(message);
  }

  async sessionForSend(userId: string, sessionId: string): Promise<SessionForSend> {
    const chat = this.chat(userId, sessionId);
    const newest = chat.messages.at(-1);
    return { session: chat.session, newest: newest ? { id: newest.id, status: newest.status } : null, hasDocuments: null };
  }

  async findStreamingMessage(sessionId: string): Promise<string | null> {
    return this.chats.get(sessionId)?.messages.find((message) => message.status === "streaming")?.id ?? null;
  }

  async createExchange(input: NewExchange): Promise<{ userMessage: Message; assistantMessage: Message }> {
    const chat = this.chat(input.userId, input.session.id);
    const now = this.now();
    const base = { sessionId: chat.session.id, userId: input.userId, promptTokens: null, completionTokens: null, error: null, sources: null };
    const userMessage: StoredMessage = {
      ...base,
      id: newEphemeralId(),
      parentId: input.parentId,
      role: "user",
      content: input.content,
      status: "complete",
      model: null,
      contextJson: null,
      createdAt: new Date(now).toISOString(),
      updatedAt: new Date(now).toISOString(),
    };
    const assistantMessage: StoredMessage = {
      ...base,
      id: newEphemeralId(),
      parentId: userMessage.id,
      role: "assistant",
      content: "",
      status: "streaming",
      model: input.model,
      contextJson: input.contextJson ?? null,
      createdAt: new Date(now + 1).toISOString(),
      updatedAt: new Date(now + 1).toISOString(),
    };
    chat.messages.push(userMessage, assistantMessage);
    for (const message of [userMessage, assistantMessage]) this.messageChat.set(message.id, chat.session.id);
    const title = input.parentId === null && chat.session.title === defaultSessionTitle ? titleFromContent(input.content) : chat.session.title;
    chat.session = { ...chat.session, title, model: input.model, updatedAt: new Date(now).toISOString() };
    chat.lastActivity = now;
    return { userMessage: publicMessage(userMessage), assistantMessage: publicMessage(assistantMessage) };
  }

  async createReply(input: NewReply): Promise<Message> {
    const chat = this.chat(input.userId, input.session.id);
    const at = new Date(this.now()).toISOString();
    const reply: StoredMessage = {
      id: newEphemeralId(),
      sessionId: chat.session.id,
      userId: input.userId,
      parentId: input.parentId,
      role: "assistant",
      content: "",
      sources: null,
      status: "streaming",
      model: input.model,
      promptTokens: null,
      completionTokens: null,
      error: null,
      contextJson: input.contextJson ?? null,
      createdAt: at,
      updatedAt: at,
    };
    chat.messages.push(reply);
    this.messageChat.set(reply.id, chat.session.id);
    chat.session = { ...chat.session, model: input.model, updatedAt: at };
    return publicMessage(reply);
  }

  async branchHistory(sessionId: string, leafId: string, limit: number, reach?: BranchReach): Promise<HistoryMessage[]> {
    const chat = this.chats.get(sessionId);
    if (!chat) return [];
    const byId = new Map(chat.messages.map((message) => [message.id, message]));
    const branch: HistoryMessage[] = [];
    const wanted = wantsMore(limit, reach);
    for (let current = byId.get(leafId); current && wanted(branch); current = current.parentId ? byId.get(current.parentId) : undefined) {
      branch.push({ id: current.id, parentId: current.parentId, role: current.role, content: current.content, status: current.status, createdAt: new Date(current.createdAt) });
    }
    return branch.reverse();
  }

  /** Temporary chats are never in a recall index: there is nothing for recall to leave out. */
  async offBranchMessageIds(_sessionId: string, _leafId: string | null): Promise<string[]> {
    return [];
  }

  async contextOf(userId: string, messageId: string): Promise<ReplyContextRow> {
    const message = this.stored(messageId);
    if (!message || message.userId !== userId) throw notFound("message");
    return { sessionId: message.sessionId, contextJson: message.contextJson, promptTokens: message.promptTokens, completionTokens: message.completionTokens };
  }

  async turnsByIds(userId: string, ids: readonly string[]): Promise<TurnView[]> {
    return ids.flatMap((id) => {
      const message = this.stored(id);
      if (!message || message.userId !== userId) return [];
      return [{ id: message.id, sessionId: message.sessionId, role: message.role, content: message.content, createdAt: message.createdAt }];
    });
  }

  async checkpoint(messageId: string, content: string): Promise<void> {
    const message = this.stored(messageId);
    if (message?.status === "streaming") message.content = content;
  }

  async finish(messageId: string, result: FinishedReply): Promise<void> {
    const message = this.stored(messageId);
    if (!message) return;
    Object.assign(message, {
      status: result.status,
      content: result.content,
      promptTokens: result.promptTokens ?? null,
      completionTokens: result.completionTokens ?? null,
      error: result.error ?? null,
      sources: result.sources ?? null,
      updatedAt: new Date(this.now()).toISOString(),
    });
    const chat = this.chats.get(message.sessionId);
    if (chat) chat.lastActivity = this.now();
  }

  async chatWithMessages(userId: string, sessionId: string): Promise<ChatWithMessages> {
    const chat = this.chat(userId, sessionId);
    return { session: chat.session, messages: chat.messages.map(publicMessage) };
  }

  async allChatsWithMessages(userId: string): Promise<ChatWithMessages[]> {
    return this.sessionsOf(userId).map((session) => ({ session, messages: (this.chats.get(session.id)?.messages ?? []).map(publicMessage) }));
  }

  async streamingMessageIds(userId: string): Promise<string[]> {
    return this.sessionsOf(userId).flatMap((session) => this.chats.get(session.id)?.messages.find((message) => message.status === "streaming")?.id ?? []);
  }

  async sessionIds(userId: string): Promise<string[]> {
    return [...(this.userChats.get(userId) ?? [])];
  }

  /** Characters of text the user's temporary chats hold in memory (the limits cap it). */
  heldChars(userId: string): number {
    let total = 0;
    for (const sessionId of this.userChats.get(userId) ?? []) {
      for (const message of this.chats.get(sessionId)?.messages ?? []) total += message.content.length;
    }
    return total;
  }

  async deleteAllChats(userId: string): Promise<{ chats: number; messages: number }> {
    let chats = 0;
    let messages = 0;
    for (const sessionId of [...(this.userChats.get(userId) ?? [])]) {
      const chat = this.chats.get(sessionId);
      if (!chat) continue;
      messages += chat.messages.length;
      this.forget(sessionId, chat);
      chats += 1;
    }
    return { chats, messages };
  }

  get size(): number {
    return this.chats.size;
  }

  private chat(userId: string, sessionId: string): EphemeralChat {
    const chat = this.chats.get(sessionId);
    if (!chat || chat.userId !== userId) throw notFound("chat");
    chat.lastActivity = this.now();
    return chat;
  }

  private stored(messageId: string): StoredMessage | undefined {
    const sessionId = this.messageChat.get(messageId);
    return sessionId ? this.chats.get(sessionId)?.messages.find((message) => message.id === messageId) : undefined;
  }

  private forget(sessionId: string, chat: EphemeralChat): void {
    for (const message of chat.messages) this.messageChat.delete(message.id);
    this.chats.delete(sessionId);
    const owned = this.userChats.get(chat.userId);
    owned?.delete(sessionId);
    if (owned?.size === 0) this.userChats.delete(chat.userId);
  }
}

function publicMessage(message: StoredMessage): Message {
  const { userId: _userId, contextJson: _contextJson, ...rest } = message;
  return { ...rest };
}
