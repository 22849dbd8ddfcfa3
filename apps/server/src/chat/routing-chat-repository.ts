import type { Message, Session } from "@recall/schema";
import { InvalidRequestError } from "../domain-errors.ts";
import type { SessionSearchHit } from "./chat-search.ts";
import {
  isEphemeralId,
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

/** The temporary chats' first page holds all of them: there are few, and they are the live ones. */
const everyTemporaryChat = Number.MAX_SAFE_INTEGER;

/**
 * The one place that tells saved chats from temporary ones: by the id's prefix (or, for a
 * new chat, the `ephemeral` flag) each call goes to exactly one store; calls about a whole
 * user go to both and their answers are merged. Neither store knows the other exists.
 */
export class RoutingChatRepository implements ChatRepository {
  constructor(
    private readonly saved: ChatRepository,
    private readonly temporary: ChatRepository,
  ) {}

  private storeFor(id: string): ChatRepository {
    return isEphemeralId(id) ? this.temporary : this.saved;
  }

  createSession(userId: string, input: NewSession): Promise<Session> {
    return (input.ephemeral ? this.temporary : this.saved).createSession(userId, input);
  }

  async listSessions(userId: string, page: { cursor?: string | undefined; limit: number }): Promise<{ items: Session[]; nextCursor: string | null }> {
    if (page.cursor) {
      if (isEphemeralId(page.cursor)) throw new InvalidRequestError("Page with the cursor of a saved chat.");
      return this.saved.listSessions(userId, page);
    }
    const [temporary, saved] = await Promise.all([this.temporary.listSessions(userId, { limit: everyTemporaryChat }), this.saved.listSessions(userId, page)]);
    return { items: [...temporary.items, ...saved.items], nextCursor: saved.nextCursor };
  }

  async searchSessions(userId: string, query: string, limit: number): Promise<SessionSearchHit[]> {
    const [temporary, saved] = await Promise.all([this.temporary.searchSessions(userId, query, limit), this.saved.searchSessions(userId, query, limit)]);
    return [...temporary, ...saved].sort((left, right) => right.session.updatedAt.localeCompare(left.session.updatedAt)).slice(0, limit);
  }

  requireSession(userId: string, sessionId: string): Promise<Session> {
    return this.storeFor(sessionId).requireSession(userId, sessionId);
  }

  renameSession(userId: string, sessionId: string, title: string): Promise<Session> {
    return this.storeFor(sessionId).renameSession(userId, sessionId, title);
  }

  deleteSession(userId: string, sessionId: string): Promise<void> {
    return this.storeFor(sessionId).deleteSession(userId, sessionId);
  }

  listMessages(userId: string, input: { sessionId: string; before?: string | undefined; limit: number }): Promise<{ items: Message[]; nextBefore: string | null }> {
    return this.storeFor(input.sessionId).listMessages(userId, input);
  }

  thread(userId: string, sessionId: string, limit: number): Promise<{ messages: Message[]; truncated: boolean }> {
    return this.storeFor(sessionId).thread(userId, sessionId, limit);
  }

  requireMessage(userId: string, messageId: string, sessionId?: string): Promise<Message> {
    return this.storeFor(messageId).requireMessage(userId, messageId, sessionId);
  }

  sessionForSend(userId: string, sessionId: string): Promise<SessionForSend> {
    return this.storeFor(sessionId).sessionForSend(userId, sessionId);
  }

  findStreamingMessage(sessionId: string): Promise<string | null> {
    return this.storeFor(sessionId).findStreamingMessage(sessionId);
  }

  createExchange(input: NewExchange): Promise<{ userMessage: Message; assistantMessage: Message }> {
    return this.storeFor(input.session.id).createExchange(input);
  }

  createReply(input: NewReply): Promise<Message> {
    return this.storeFor(input.session.id).createReply(input);
  }

  branchHistory(sessionId: string, leafId: string, limit: number, reach?: BranchReach): Promise<HistoryMessage[]> {
    return this.storeFor(sessionId).branchHistory(sessionId, leafId, limit, reach);
  }

  offBranchMessageIds(sessionId: string, leafId: string | null): Promise<string[]> {
    return this.storeFor(sessionId).offBranchMessageIds(sessionId, leafId);
  }

  contextOf(userId: string, messageId: string): Promise<ReplyContextRow> {
    return this.storeFor(messageId).contextOf(userId, messageId);
  }

  async turnsByIds(userId: string, ids: readonly string[]): Promise<TurnView[]> {
    const [temporary, saved] = await Promise.all([
      this.temporary.turnsByIds(userId, ids.filter(isEphemeralId)),
      this.saved.turnsByIds(userId, ids.filter((id) => !isEphemeralId(id))),
    ]);
    const byId = new Map([...saved, ...temporary].map((turn) => [turn.id, turn]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  checkpoint(messageId: string, content: string): Promise<void> {
    return this.storeFor(messageId).checkpoint(messageId, content);
  }

  finish(messageId: string, result: FinishedReply): Promise<void> {
    return this.storeFor(messageId).finish(messageId, result);
  }

  chatWithMessages(userId: string, sessionId: string): Promise<ChatWithMessages> {
    return this.storeFor(sessionId).chatWithMessages(userId, sessionId);
  }

  /** Temporary chats first, then saved ones newest first, as the sidebar shows them. */
  async allChatsWithMessages(userId: string): Promise<ChatWithMessages[]> {
    const [temporary, saved] = await Promise.all([this.temporary.allChatsWithMessages(userId), this.saved.allChatsWithMessages(userId)]);
    return [...temporary, ...saved];
  }

  async streamingMessageIds(userId: string): Promise<string[]> {
    const [saved, temporary] = await Promise.all([this.saved.streamingMessageIds(userId), this.temporary.streamingMessageIds(userId)]);
    return [...saved, ...temporary];
  }

  async sessionIds(userId: string): Promise<string[]> {
    const [saved, temporary] = await Promise.all([this.saved.sessionIds(userId), this.temporary.sessionIds(userId)]);
    return [...saved, ...temporary];
  }

  async deleteAllChats(userId: string): Promise<{ chats: number; messages: number }> {
    const [saved, temporary] = await Promise.all([this.saved.deleteAllChats(userId), this.temporary.deleteAllChats(userId)]);
    return { chats: saved.chats + temporary.chats, messages: saved.messages + temporary.messages };
  }
}
