import type { DocumentSources, Message, Session } from "@recall/schema";
import type { SessionSearchHit } from "./chat-search.ts";

export const defaultSessionTitle = "New chat";

/** Temporary (ephemeral) ids carry their kind, so every lookup knows where to go without asking the database. */
export const ephemeralPrefix = "e_";

export function isEphemeralId(id: string): boolean {
  return id.startsWith(ephemeralPrefix);
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

/** One chat as exported: the session and every message of its tree, oldest first. */
export interface ChatWithMessages {
  session: Session;
  messages: Message[];
}

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

export interface NewSession {
  title?: string | undefined;
  model?: string | undefined;
  ephemeral?: boolean | undefined;
}

export interface NewExchange {
  userId: string;
  session: Session;
  parentId: string | null;
  content: string;
  model: string;
  /** What memory assembled for the reply (JSON). */
  contextJson?: string;
}

export interface NewReply {
  userId: string;
  session: Session;
  parentId: string;
  model: string;
  contextJson?: string;
}

/** What a send needs of its chat, in one read. */
export interface SessionForSend {
  session: Session;
  newest: { id: string; status: string } | null;
  /**
   * Whether any document is attached to the chat (read with the chat, so a chat without
   * documents costs its replies no query of the documents); null when the store cannot tell
   * (temporary chats: their documents live in the document store's memory, cheap to ask).
   */
  hasDocuments: boolean | null;
}

export interface FinishedReply {
  status: "complete" | "interrupted" | "error";
  content: string;
  promptTokens?: number | null;
  completionTokens?: number | null;
  error?: string | null;
  /** A reply's document passages and which it cited (chats with documents only). */
  sources?: DocumentSources | null;
}

/**
 * Chats and their messages, every read and write scoped to its owner. Implemented by the
 * saved store (database), the temporary store (process memory) and the router between
 * them; services and routers see only this. A missing or foreign id is a NotFoundError.
 */
export interface ChatRepository {
  createSession(userId: string, input: NewSession): Promise<Session>;
  /** Newest first; `cursor` is the last chat of the previous page. */
  listSessions(userId: string, page: { cursor?: string | undefined; limit: number }): Promise<{ items: Session[]; nextCursor: string | null }>;
  /** Chats whose title or any message contains `query`, ignoring case, newest first. */
  searchSessions(userId: string, query: string, limit: number): Promise<SessionSearchHit[]>;
  requireSession(userId: string, sessionId: string): Promise<Session>;
  renameSession(userId: string, sessionId: string, title: string): Promise<Session>;
  deleteSession(userId: string, sessionId: string): Promise<void>;
  listMessages(userId: string, input: { sessionId: string; before?: string | undefined; limit: number }): Promise<{ items: Message[]; nextBefore: string | null }>;
  /** Every message of a chat, all branches, oldest first: at most `limit`, the newest ones when there are more. */
  thread(userId: string, sessionId: string, limit: number): Promise<{ messages: Message[]; truncated: boolean }>;
  requireMessage(userId: string, messageId: string, sessionId?: string): Promise<Message>;
  /** The chat and its newest message (the default parent, and the one that may still be streaming). */
  sessionForSend(userId: string, sessionId: string): Promise<SessionForSend>;
  findStreamingMessage(sessionId: string): Promise<string | null>;
  /** The user's message and the empty `streaming` reply, together: neither exists without the other. */
  createExchange(input: NewExchange): Promise<{ userMessage: Message; assistantMessage: Message }>;
  /** A new empty `streaming` reply to an existing user message: a sibling of its earlier replies. */
  createReply(input: NewReply): Promise<Message>;
  /** The branch that ends at `leafId`, oldest first, at most `limit` messages (further with `reach`). */
  branchHistory(sessionId: string, leafId: string, limit: number, reach?: BranchReach): Promise<HistoryMessage[]>;
  /** Messages of the chat on other branches than the one ending at `leafId`: recall leaves them out. */
  offBranchMessageIds(sessionId: string, leafId: string | null): Promise<string[]>;
  /** The assembled-context metadata of a reply, with the counts Ollama reported. */
  contextOf(userId: string, messageId: string): Promise<ReplyContextRow>;
  /** The user's turns with these ids, in the order given; ids deleted since (or not theirs) are skipped. */
  turnsByIds(userId: string, ids: readonly string[]): Promise<TurnView[]>;
  /** Saves a streaming reply's text so far; never overwrites a final state. */
  checkpoint(messageId: string, content: string): Promise<void>;
  finish(messageId: string, result: FinishedReply): Promise<void>;

  /** One chat with every message of its tree, oldest first (export). */
  chatWithMessages(userId: string, sessionId: string): Promise<ChatWithMessages>;
  /** Every chat of the user with its messages, newest first like the sidebar. */
  allChatsWithMessages(userId: string): Promise<ChatWithMessages[]>;
  /** Replies of the user still being written. */
  streamingMessageIds(userId: string): Promise<string[]>;
  sessionIds(userId: string): Promise<string[]>;
  /** Deletes every chat of the user. Returns what went. */
  deleteAllChats(userId: string): Promise<{ chats: number; messages: number }>;
}
