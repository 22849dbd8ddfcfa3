import { z } from "zod";
import { documentSourcesSchema } from "./documents.ts";
import { idSchema } from "./ids.ts";
import { limits } from "./limits.ts";

export const messageRoles = ["system", "user", "assistant"] as const;
export const messageRoleSchema = z.enum(messageRoles);
export type MessageRole = z.infer<typeof messageRoleSchema>;

/**
 * An assistant message exists from its first token as `streaming` and ends in one
 * of the three final states, always with whatever text it had.
 */
export const messageStatuses = ["streaming", "complete", "interrupted", "error"] as const;
export const messageStatusSchema = z.enum(messageStatuses);
export type MessageStatus = z.infer<typeof messageStatusSchema>;

export const modelNameSchema = z
  .string()
  .trim()
  .min(1, "Choose a model.")
  .max(limits.modelNameMaxChars, `Model names are at most ${limits.modelNameMaxChars} characters.`);

export const sessionTitleSchema = z
  .string()
  .trim()
  .min(1, "A chat title cannot be empty.")
  .max(limits.sessionTitleMaxChars, `Chat titles are at most ${limits.sessionTitleMaxChars} characters.`);

export const messageContentSchema = z
  .string()
  .refine((text) => text.trim().length > 0, "Type a message before sending.")
  .refine(
    (text) => text.length <= limits.messageMaxChars,
    `Messages are at most ${limits.messageMaxChars.toLocaleString("en")} characters; split it or upload it as a document.`,
  );

export const sessionSchema = z.object({
  id: z.string(),
  title: z.string(),
  model: z.string().nullable(),
  /** Kept only in the server's memory, never written to disk, gone after an idle TTL. */
  ephemeral: z.boolean(),
  /** ISO 8601: plain JSON, so every client sees the same type the wire carries. */
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Session = z.infer<typeof sessionSchema>;

export const messageSchema = z.object({
  id: z.string(),
  sessionId: z.string(),
  parentId: z.string().nullable(),
  role: messageRoleSchema,
  content: z.string(),
  status: messageStatusSchema,
  model: z.string().nullable(),
  promptTokens: z.number().int().nullable(),
  completionTokens: z.number().int().nullable(),
  error: z.string().nullable(),
  /** A reply's document passages and which it cited; null when the chat had no documents. */
  sources: documentSourcesSchema.nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Message = z.infer<typeof messageSchema>;

const pageSizeSchema = z.number().int().min(1).max(limits.pageSizeMax).default(limits.pageSizeDefault);

export const createSessionInput = z.object({
  title: sessionTitleSchema.optional(),
  model: modelNameSchema.optional(),
  /** A chat that lives only in memory: nothing of it is written to disk or remembered elsewhere. */
  ephemeral: z.boolean().optional(),
});
export const renameSessionInput = z.object({ sessionId: idSchema, title: sessionTitleSchema });
export const sessionIdInput = z.object({ sessionId: idSchema });
export const listSessionsInput = z
  .object({ cursor: idSchema.optional(), limit: pageSizeSchema })
  .default({ limit: limits.pageSizeDefault });
/** Chats whose title or any message contains `query` (case-insensitive, `%` and `_` literal), newest first. */
export const searchSessionsInput = z.object({
  query: z
    .string()
    .trim()
    .min(1, "Type something to search for.")
    .max(limits.searchQueryMaxChars, `Search for at most ${limits.searchQueryMaxChars} characters.`),
  limit: z
    .number()
    .int("Ask for a whole number of chats.")
    .min(1, "Ask for at least one chat.")
    .max(limits.searchResultsMax, `A search returns at most ${limits.searchResultsMax} chats.`)
    .default(limits.searchResultsDefault),
});
/** Messages page backwards from the newest: `before` is the oldest id the client already has. */
export const listMessagesInput = z.object({
  sessionId: idSchema,
  before: idSchema.optional(),
  limit: pageSizeSchema,
});
export const sendMessageInput = z.object({
  sessionId: idSchema,
  content: messageContentSchema,
  model: modelNameSchema.optional(),
  /**
   * The message this one answers; defaults to the newest message of the chat. Another parent
   * branches the chat; `null` starts a new root (the chat's first message, edited).
   */
  parentId: idSchema.nullable().optional(),
});
export const messageIdInput = z.object({ messageId: idSchema });
/** Answers a reply's question again: `messageId` is the assistant reply to replace (kept as a sibling). */
export const regenerateMessageInput = z.object({ messageId: idSchema, model: modelNameSchema.optional() });
export const streamInput = z.object({
  messageId: idSchema,
  /** Set by httpSubscriptionLink on reconnect: resume after this event. */
  lastEventId: z.string().max(32).nullish(),
});

export type CreateSessionInput = z.infer<typeof createSessionInput>;
export type SendMessageInput = z.infer<typeof sendMessageInput>;
export type RegenerateMessageInput = z.infer<typeof regenerateMessageInput>;
export type SearchSessionsInput = z.infer<typeof searchSessionsInput>;

export const profileFactKinds = ["name", "role", "interest", "preference", "location", "other"] as const;
export const profileFactKindSchema = z.enum(profileFactKinds);
export type ProfileFactKind = z.infer<typeof profileFactKindSchema>;

const profileValueSchema = z
  .string()
  .trim()
  .min(1, "A remembered fact cannot be empty.")
  .max(500, "A remembered fact is at most 500 characters.");

export const profileFactSchema = z.object({
  id: z.string(),
  kind: profileFactKindSchema,
  value: z.string(),
  /** Where it came from: `pattern` (what the user said), `model` (extracted by the model) or `user` (typed in). */
  source: z.enum(["pattern", "model", "user"]),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ProfileFactView = z.infer<typeof profileFactSchema>;

export const addProfileFactInput = z.object({ kind: profileFactKindSchema, value: profileValueSchema });
export const updateProfileFactInput = z.object({ factId: idSchema, value: profileValueSchema });
export const profileFactIdInput = z.object({ factId: idSchema });
