/**
 * What the local-model cost benchmark replays: users with their chats, turn by turn, as the
 * memory benchmark's generator writes them (multi-session sets, and long single chats that
 * outgrow any context window).
 */
import { generateConversationSet, type GeneratedMessage } from "../memory/conversation-generator.ts";
import { referenceOptions } from "../memory/evidence-quality.ts";
import { generateLongChat } from "../memory/token-savings.ts";

export interface ReplayTurn {
  user: GeneratedMessage;
  /** The reply the fake model writes for this turn (the generated assistant message). */
  reply: GeneratedMessage;
  /** Messages in this chat before the turn. */
  position: number;
}

export interface ReplayChat {
  sessionId: string;
  turns: ReplayTurn[];
}

export interface ReplayUser {
  name: string;
  chats: ReplayChat[];
}

export interface ReplaySet {
  key: string;
  label: string;
  users: ReplayUser[];
}

function toChat(sessionId: string, messages: readonly GeneratedMessage[]): ReplayChat {
  const turns: ReplayTurn[] = [];
  for (let index = 0; index + 1 < messages.length; index += 2) {
    const user = messages[index]!;
    const reply = messages[index + 1]!;
    if (user.role !== "user" || reply.role !== "assistant") throw new Error(`Chat ${sessionId} does not alternate user and assistant at ${index}.`);
    turns.push({ user, reply, position: index });
  }
  return { sessionId, turns };
}

/** One user's multi-session history (the memory benchmark's reference options). */
export function multiSessionUser(seed: number): ReplayUser {
  const set = generateConversationSet({ seed, ...referenceOptions });
  return { name: `user-${seed}`, chats: set.sessions.map((session) => toChat(session.id, session.messages)) };
}

/** One user with one long chat of about `messages` messages. */
export function longChatUser(seed: number, messages: number): ReplayUser {
  const chat = generateLongChat(seed, messages).slice(0, messages);
  return { name: `long-${seed}`, chats: [toChat(chat[0]?.sessionId ?? `long-${seed}`, chat)] };
}

/** Turns in the order they are sent: each user's turns in order, users interleaved turn by turn. */
export function interleave(users: readonly ReplayUser[]): Array<{ user: ReplayUser; userIndex: number; chat: ReplayChat; turn: ReplayTurn; firstInChat: boolean }> {
  const queues = users.map((user, userIndex) => user.chats.flatMap((chat) => chat.turns.map((turn, index) => ({ user, userIndex, chat, turn, firstInChat: index === 0 }))));
  const order: Array<(typeof queues)[number][number]> = [];
  for (let round = 0; queues.some((queue) => round < queue.length); round += 1) {
    for (const queue of queues) {
      const next = queue[round];
      if (next !== undefined) order.push(next);
    }
  }
  return order;
}
