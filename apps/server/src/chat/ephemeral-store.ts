import { randomBytes } from "node:crypto";
import type { Message, Session } from "@recall/schema";
import { containsIgnoringCase, snippetAround, type SessionSearchHit } from "./chat-search.ts";
import type { BranchReach, HistoryMessage, ReplyContextRow, TurnView } from "./chat-store.ts";
import { defaultSessionTitle, notFound, wantsMore } from "./chat-store.ts";
import { titleFromContent } from "./serialize.ts";

/** Ephemeral ids carry their kind, so every lookup knows where to go without asking the database. */
export const ephemeralPrefix = "e_";

export function isEphemeralId(id: string): boolean {
  return id.startsWith(ephemeralPrefix);
}

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
 * Chats that live only in this process's memory: nothing is written to the database,
 * the cache or the memory layers, and a chat idle past its TTL is forgotten entirely.
 * Same method shapes as ChatStore, so the routing store can hand calls to either.
 */
export class EphemeralChatStore {
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

  createSession(userId: string, input: { title?: string | undefined; model?: string | undefined }): Session {
    const at = new Date(this.now()).toISOString();
    const session: Session = { id: newEphemeralId(), title: input.title ?? defaultSessionTitle, model: input.model ?? null, ephemeral: true, createdAt: at, updatedAt: at };
    this.chats.set(session.id, { userId, session, messages: [], lastActivity: this.now() });
    let owned = this.userChats.get(userId);
    if (!owned) this.userChats.set(userId, (owned = new Set()));
    owned.add(session.id);
    return session;
  }

  listSessions(userId: string): Session[] {
    return [...(this.userChats.get(userId) ?? [])]
      .map((sessionId) => this.chats.get(sessionId)?.session)
      .filter((session): session is Session => session !== undefined)
      .sort((left, right) => right.updatedAt.localeCompare(left.updatedAt));
  }

  /** Same answer as the saved chats' search: title first, else the oldest matching message. */
  searchSessions(userId: string, query: string, limit: number): SessionSearchHit[] {
    const hits: SessionSearchHit[] = [];
    for (const session of this.listSessions(userId)) {
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

  requireSession(userId: string, sessionId: string): Session {
    return this.chat(userId, sessionId).session;
  }

  renameSession(userId: string, sessionId: string, title: string): Session {
    const chat = this.chat(userId, sessionId);
    chat.session = { ...chat.session, title, updatedAt: new Date(this.now()).toISOString() };
    return chat.session;
  }

  deleteSession(userId: string, sessionId: string): void {
    this.forget(sessionId, this.chat(userId, sessionId));
  }

  listMessages(userId: string, input: { sessionId: string; before?: string | undefined; limit: number }): { items: Message[]; nextBefore: string | null } {
    const chat = this.chat(userId, input.sessionId);
    const end = input.before ? chat.messages.findIndex((message) => message.id === input.before) : chat.messages.length;
    if (end === -1) throw notFound("message");
    const start = Math.max(0, end - input.limit);
    return { items: chat.messages.slice(start, end).map(publicMessage), nextBefore: start > 0 ? (chat.messages[start]?.id ?? null) : null };
  }

  thread(userId: string, sessionId: string, limit: number): { messages: Message[]; truncated: boolean } {
    const { messages } = this.chat(userId, sessionId);
    return { messages: messages.slice(Math.max(0, messages.length - limit)).map(publicMessage), truncated: messages.length > limit };
  }

  requireMessage(userId: string, messageId: string, sessionId?: string): Message {
    const message = this.stored(messageId);
    if (!message || message.userId !== userId || (sessionId && message.sessionId !== sessionId)) throw notFound("message");
    return publicMessage(message);
  }

  sessionForSend(userId: string, sessionId: string): { session: Session; newest: { id: string; status: string } | null } {
    const chat = this.chat(userId, sessionId);
    const newest = chat.messages.at(-1);
    return { session: chat.session, newest: newest ? { id: newest.id, status: newest.status } : null };
  }

  findStreamingMessage(sessionId: string): string | null {
    return this.chats.get(sessionId)?.messages.find((message) => message.status === "streaming")?.id ?? null;
  }

  createExchange(input: { userId: string; session: Session; parentId: string | null; content: string; model: string; contextJson?: string }): {
    userMessage: Message;
    assistantMessage: Message;
  } {
    const chat = this.chat(input.userId, input.session.id);
    const now = this.now();
    const base = { sessionId: chat.session.id, userId: input.userId, promptTokens: null, completionTokens: null, error: null };
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

  createReply(input: { userId: string; session: Session; parentId: string; model: string; contextJson?: string }): Message {
    const chat = this.chat(input.userId, input.session.id);
    const at = new Date(this.now()).toISOString();
    const reply: StoredMessage = {
      id: newEphemeralId(),
      sessionId: chat.session.id,
      userId: input.userId,
      parentId: input.parentId,
      role: "assistant",
      content: "",
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

  branchHistory(sessionId: string, leafId: string, limit: number, reach?: BranchReach): HistoryMessage[] {
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

  contextOf(userId: string, messageId: string): ReplyContextRow {
    const message = this.stored(messageId);
    if (!message || message.userId !== userId) throw notFound("message");
    return { sessionId: message.sessionId, contextJson: message.contextJson, promptTokens: message.promptTokens, completionTokens: message.completionTokens };
  }

  turnsByIds(userId: string, ids: readonly string[]): TurnView[] {
    return ids.flatMap((id) => {
      const message = this.stored(id);
      if (!message || message.userId !== userId) return [];
      return [{ id: message.id, sessionId: message.sessionId, role: message.role, content: message.content, createdAt: message.createdAt }];
    });
  }

  checkpoint(messageId: string, content: string): void {
    const message = this.stored(messageId);
    if (message?.status === "streaming") message.content = content;
  }

  finish(
    messageId: string,
    result: { status: "complete" | "interrupted" | "error"; content: string; promptTokens?: number | null; completionTokens?: number | null; error?: string | null },
  ): void {
    const message = this.stored(messageId);
    if (!message) return;
    Object.assign(message, {
      status: result.status,
      content: result.content,
      promptTokens: result.promptTokens ?? null,
      completionTokens: result.completionTokens ?? null,
      error: result.error ?? null,
      updatedAt: new Date(this.now()).toISOString(),
    });
    const chat = this.chats.get(message.sessionId);
    if (chat) chat.lastActivity = this.now();
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
