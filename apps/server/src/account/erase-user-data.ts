import type { Services } from "../trpc/context.ts";
import type { DeletedCounts } from "./user-data-store.ts";

/**
 * "Delete everything Recall holds about me": the user's replies are stopped, their
 * ephemeral chats dropped, every database row deleted (through the User row's
 * cascades) and every in-process or cached copy forgotten. In that order, so nothing
 * still running can write a row back: a late write would also fail its foreign key.
 */
export async function eraseUserData(services: Services, userId: string): Promise<DeletedCounts> {
  const { userData, generations, episodes, summaries, recallIndexes, conversations } = services;
  const streaming = await userData.streamingMessageIds(userId);
  await Promise.all(streaming.map((messageId) => generations.stop(messageId, "stopped")));
  const ephemeral = userData.deleteEphemeralChats(userId);
  await episodes.forgetUser(userId);

  const sessionIds = await userData.sessionIds(userId);
  const deleted = await userData.deleteUser(userId);

  recallIndexes.forgetUser(userId);
  for (const sessionId of sessionIds) summaries.forget(sessionId);
  await conversations.invalidateUser(userId);
  return { ...deleted, chats: deleted.chats + ephemeral.chats, messages: deleted.messages + ephemeral.messages };
}
