import type { Message, Session } from "@recall/schema";
import type { DeletedDataScrubber } from "../account/deleted-data.ts";
import type { DeletedCounts, UserStore } from "../account/user-store.ts";
import type { ChatRepository } from "../chat/chat-repository.ts";
import type { GenerationManager } from "../chat/generation.ts";
import type { FieldCipher } from "../crypto/index.ts";
import { NotFoundError } from "../domain-errors.ts";
import { describeError } from "../errors.ts";
import type { ConversationStateCache } from "../memory/conversation-state.ts";
import type { AuthService } from "../auth/auth-service.ts";
import type { EpisodeService } from "../memory/episodes.ts";
import type { ProfileStore } from "../memory/profile-store.ts";
import type { RecallIndexes } from "../memory/recall-turns.ts";
import type { SummaryService } from "../memory/summaries.ts";

/**
 * What goes with a chat or a user beyond the chat store: documents, their pages, chunks and index
 * rows (the index is not cascaded by the database). The document service implements it.
 */
export interface LifecycleHooks {
  /** After the chat is gone: deletes the documents nothing holds any more (not kept, in no other chat). */
  chatDeleted(userId: string, sessionId: string): Promise<void>;
  /** After the user's rows are gone: deletes whatever of theirs the cascades do not reach. */
  userDeleted(userId: string): Promise<void>;
}

export interface ChatLifecycleDependencies {
  chats: ChatRepository;
  users: Pick<UserStore, "deleteUser">;
  generations: Pick<GenerationManager, "stop">;
  recallIndexes: Pick<RecallIndexes, "note" | "forgetSession" | "forgetUser">;
  summaries: Pick<SummaryService, "forget">;
  episodes: Pick<EpisodeService, "onChatStarted" | "forgetUser">;
  profiles: Pick<ProfileStore, "learnFromMessage">;
  conversations: Pick<ConversationStateCache, "invalidateConversation" | "invalidateUser">;
  logger: { warn(object: object, message?: string): void };
  /** Encryption at rest: erasing a user deletes their data keys (what backups hold of them stays unreadable). */
  keys?: Pick<FieldCipher, "eraseUser">;
  /** Deleted text leaves the database files too (SQLite: a WAL checkpoint). */
  scrubber?: Pick<DeletedDataScrubber, "scrub">;
  /** Sign-in sessions: an erased user's end first, so none of their tokens works meanwhile or after. */
  sessions?: Pick<AuthService, "revokeUser">;
  /** Documents (the document service). */
  hooks?: LifecycleHooks;
}

/**
 * What happens when a chat or a user comes or goes, in one place: every copy Recall derives
 * from a chat (recall index, running summary, episode, cached conversation) is made and
 * forgotten here. Routers, delete-my-data and retention call it; none of them orchestrates.
 */
export class ChatLifecycle {
  constructor(private readonly dependencies: ChatLifecycleDependencies) {}

  async createChat(userId: string, input: { title?: string | undefined; model?: string | undefined; ephemeral?: boolean | undefined }): Promise<Session> {
    const session = await this.dependencies.chats.createSession(userId, input);
    // Starting a chat ends the previous one: its episode is written in the background.
    this.dependencies.episodes.onChatStarted(userId, session.id);
    return session;
  }

  /**
   * After a user's message and its reply placeholder are saved. A temporary chat leaves
   * nothing behind: no profile facts, no recall.
   */
  exchangeSaved(userId: string, session: Session, userMessage: Message): void {
    if (session.ephemeral) return;
    const { profiles, recallIndexes, logger } = this.dependencies;
    // Off the reply's path: a reply never waits for profile upkeep.
    void profiles.learnFromMessage(userId, userMessage.id, userMessage.content).catch((error: unknown) => {
      logger.warn({ error: describeError(error) }, "profile extraction failed");
    });
    // Indexed after assembly, so a message never recalls itself.
    recallIndexes.note(userId, { ...userMessage, role: "user", createdAt: new Date(userMessage.createdAt) });
  }

  /** Deletes the user's chat and everything derived from it; NotFoundError when it is not theirs. */
  async deleteChat(userId: string, sessionId: string): Promise<void> {
    const { chats, generations, recallIndexes, summaries, conversations } = this.dependencies;
    await chats.requireSession(userId, sessionId);
    const streaming = await chats.findStreamingMessage(sessionId);
    if (streaming) await generations.stop(streaming, "stopped");
    await chats.deleteSession(userId, sessionId);
    recallIndexes.forgetSession(userId, sessionId);
    summaries.forget(sessionId);
    await conversations.invalidateConversation(userId, sessionId);
    // After the chat is gone, so a document uploaded into it meanwhile goes too (its upload now
    // fails the chat check), and before the scrub, so the deleted text leaves the files.
    await this.dependencies.hooks?.chatDeleted(userId, sessionId);
    await this.dependencies.scrubber?.scrub();
  }

  /** For retention: deletes a chat past its time as the user deleting it would. False when it had gone already. */
  async expireChat(userId: string, sessionId: string): Promise<boolean> {
    try {
      await this.deleteChat(userId, sessionId);
      return true;
    } catch (error) {
      if (error instanceof NotFoundError) return false;
      throw error;
    }
  }

  /**
   * "Delete everything Recall holds about me": the user's replies are stopped, episode
   * writing stops, every database row is deleted (through the User row's cascades), their
   * temporary chats dropped, and every in-process or cached copy forgotten. In that order,
   * so nothing still running can write a row back: a late write would also fail its foreign key.
   */
  async eraseUser(userId: string): Promise<DeletedCounts> {
    const { chats, users, generations, episodes, summaries, recallIndexes, conversations } = this.dependencies;
    await this.dependencies.sessions?.revokeUser(userId, "delete");
    const streaming = await chats.streamingMessageIds(userId);
    await Promise.all(streaming.map((messageId) => generations.stop(messageId, "stopped")));
    await episodes.forgetUser(userId);

    const sessionIds = await chats.sessionIds(userId);
    const saved = await users.deleteUser(userId);
    // The saved chats went with the User row; this takes the temporary ones.
    const rest = await chats.deleteAllChats(userId);
    // Saved documents went with the User row too; the hook takes their index and temporary ones.
    await this.dependencies.hooks?.userDeleted(userId);

    recallIndexes.forgetUser(userId);
    for (const sessionId of sessionIds) summaries.forget(sessionId);
    await conversations.invalidateUser(userId);
    await this.dependencies.keys?.eraseUser(userId);
    await this.dependencies.scrubber?.scrub();
    return { ...saved, chats: saved.chats + rest.chats, messages: saved.messages + rest.messages };
  }

  /** For retention: an inactive user goes exactly as one who asked to be deleted. */
  expireUser(userId: string): Promise<DeletedCounts> {
    return this.eraseUser(userId);
  }
}
