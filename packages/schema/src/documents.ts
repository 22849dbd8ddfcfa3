import { z } from "zod";
import { idSchema } from "./ids.ts";

/**
 * Documents in a chat: what the API returns and takes. The server (apps/server/src/documents)
 * and the web app agree on these; the file itself travels as multipart form data to
 * `document.upload` (fields `file`, optional `sessionId`), the one procedure that takes a body
 * other than JSON.
 */

export const documentKinds = ["pdf", "docx", "text", "markdown"] as const;
export const documentStates = ["processing", "ready", "failed"] as const;
/** Where a document in `processing` is: parsing (in a worker), indexing (chunks, terms), embedding, summarizing. */
export const documentStages = ["queued", "parsing", "indexing", "embedding", "summarizing"] as const;

export const documentRefusalCodes = [
  "too_large",
  "unsupported_type",
  "encrypted",
  "corrupt",
  "no_text",
  "too_many_pages",
  "zip_bomb",
  "too_slow",
  "too_much_memory",
  "empty",
  "quota",
  "too_many_documents",
] as const;

export const documentSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** Decided from the bytes; null until parsing has looked at them. */
  kind: z.enum(documentKinds).nullable(),
  sizeBytes: z.number().int(),
  pageCount: z.number().int().nullable(),
  state: z.enum(documentStates),
  /** Set while `processing`. */
  stage: z.enum(documentStages).nullable(),
  /** 0..1 over the whole processing, for the progress bar. */
  progress: z.number(),
  /** Set when `failed`: why, in words a person can act on. */
  error: z.object({ code: z.enum(documentRefusalCodes), message: z.string() }).nullable(),
  /** The one-time summary, written in the background after indexing; null until then. */
  summary: z.string().nullable(),
  chunkCount: z.number().int(),
  /** Kept in the user's library: stays when removed from its last chat. */
  kept: z.boolean(),
  /** The chats (of this user) it is attached to. */
  sessionIds: z.array(z.string()),
  /** True for a temporary chat's document: in memory only, gone with the chat. */
  ephemeral: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type DocumentView = z.infer<typeof documentSchema>;

/** A passage as a citation opens it. */
export const passageSchema = z.object({
  chunkId: z.string(),
  documentId: z.string(),
  documentName: z.string(),
  pageStart: z.number().int(),
  pageEnd: z.number().int(),
  section: z.string().nullable(),
  text: z.string(),
});
export type PassageView = z.infer<typeof passageSchema>;

/**
 * What a reply drew on from the chat's documents: the passages put in its prompt, numbered as
 * the model saw them ([1], [2] …), and whether the reply cited each. `nothingRelevant` is set
 * when the chat has documents but retrieval found nothing convincing for the question.
 */
export const citationSchema = passageSchema.omit({ text: true }).extend({
  n: z.number().int(),
  cited: z.boolean(),
});
export type Citation = z.infer<typeof citationSchema>;

export const documentSourcesSchema = z.object({
  citations: z.array(citationSchema),
  nothingRelevant: z.boolean(),
});
export type DocumentSources = z.infer<typeof documentSourcesSchema>;

export const documentIdInput = z.object({ documentId: idSchema });
export const chunkIdInput = z.object({ chunkId: idSchema });
export const listDocumentsInput = z.object({ sessionId: idSchema });
export const attachDocumentInput = z.object({ documentId: idSchema, sessionId: idSchema });
export const keepDocumentInput = z.object({ documentId: idSchema, kept: z.boolean() });
export const documentTextInput = z.object({ documentId: idSchema });
