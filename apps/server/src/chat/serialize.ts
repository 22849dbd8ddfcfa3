import type { DocumentSources, Message, MessageRole, MessageStatus, Session } from "@recall/schema";
import { z } from "zod";

interface SessionRow {
  id: string;
  title: string;
  model: string | null;
  createdAt: Date;
  updatedAt: Date;
}

interface MessageRow {
  id: string;
  sessionId: string;
  parentId: string | null;
  role: string;
  content: string;
  status: string;
  model: string | null;
  promptTokens: number | null;
  completionTokens: number | null;
  error: string | null;
  /** Absent where a row was read without it: no sources. */
  sourcesJson?: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** The columns a Message is made of: never `contextJson` (large) or `userId`. */
export const messageColumns = {
  id: true,
  sessionId: true,
  parentId: true,
  role: true,
  content: true,
  status: true,
  model: true,
  promptTokens: true,
  completionTokens: true,
  error: true,
  sourcesJson: true,
  createdAt: true,
  updatedAt: true,
} as const;

export function toSession(row: SessionRow): Session {
  return { id: row.id, title: row.title, model: row.model, ephemeral: false, createdAt: row.createdAt.toISOString(), updatedAt: row.updatedAt.toISOString() };
}

export function toMessage(row: MessageRow): Message {
  return {
    id: row.id,
    sessionId: row.sessionId,
    parentId: row.parentId,
    role: row.role as MessageRole,
    content: row.content,
    status: row.status as MessageStatus,
    model: row.model,
    promptTokens: row.promptTokens,
    completionTokens: row.completionTokens,
    error: row.error,
    sources: parseStoredSources(row.sourcesJson ?? null),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** A chat's title from its first message: one line, cut at a word boundary. */
export function titleFromContent(content: string, maxLength = 60): string {
  const line = content.replace(/\s+/g, " ").trim();
  if (line.length <= maxLength) return line || "New chat";
  const cut = line.slice(0, maxLength);
  const lastSpace = cut.lastIndexOf(" ");
  return `${(lastSpace > maxLength / 2 ? cut.slice(0, lastSpace) : cut).trimEnd()}…`;
}

/** At most `maxLength` characters of `text`, then "…" when it was longer; never half an emoji. */
export function clipText(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  const code = text.charCodeAt(maxLength - 1);
  const end = code >= 0xd800 && code <= 0xdbff ? maxLength - 1 : maxLength;
  return `${text.slice(0, end)}…`;
}

/**
 * `Message.sourcesJson`: what a reply drew on, as ids, numbers and pages only. A document's name
 * and a passage's section are text of the user's and stay with the document (encrypted there), so
 * a deleted document leaves nothing of itself in the chat: its citations simply stop resolving.
 */
const storedSourcesSchema = z.object({
  citations: z.array(
    z.object({ n: z.number().int(), chunkId: z.string(), documentId: z.string(), pageStart: z.number().int(), pageEnd: z.number().int(), cited: z.boolean() }),
  ),
  nothingRelevant: z.boolean(),
});

/** The column's value for a reply's sources (names and sections left out, see above). */
export function storedSourcesJson(sources: DocumentSources): string {
  const citations = sources.citations.map(({ n, chunkId, documentId, pageStart, pageEnd, cited }) => ({ n, chunkId, documentId, pageStart, pageEnd, cited }));
  return JSON.stringify({ citations, nothingRelevant: sources.nothingRelevant });
}

/**
 * The sources as stored, with `documentName` empty and `section` null until `resolveSourceNames`
 * fills them from the documents. A value that does not parse is no sources, never an error.
 */
export function parseStoredSources(value: string | null): DocumentSources | null {
  if (value === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return null;
  }
  const result = storedSourcesSchema.safeParse(parsed);
  if (!result.success) return null;
  return { citations: result.data.citations.map((citation) => ({ ...citation, documentName: "", section: null })), nothingRelevant: result.data.nothingRelevant };
}

/** What a citation shows of its passage, looked up by chunk id (the document store's `chunks`, owner-checked). */
export type PassageLookup = (chunkIds: string[]) => Promise<Array<{ chunkId: string; documentName: string; section: string | null }>>;

/**
 * Fills each citation's document name and section in one look-up for all the messages. Citations
 * whose passage is gone (the document was deleted) are dropped; sources left with no citation and
 * nothing to say are null.
 */
export async function resolveSourceNames<M extends Pick<Message, "sources">>(messages: M[], lookup: PassageLookup): Promise<M[]> {
  const chunkIds = [...new Set(messages.flatMap((message) => message.sources?.citations.map((citation) => citation.chunkId) ?? []))];
  if (chunkIds.length === 0) return messages;
  const passages = new Map((await lookup(chunkIds)).map((passage) => [passage.chunkId, passage]));
  return messages.map((message) => {
    if (!message.sources) return message;
    const citations = message.sources.citations.flatMap((citation) => {
      const passage = passages.get(citation.chunkId);
      return passage ? [{ ...citation, documentName: passage.documentName, section: passage.section }] : [];
    });
    const sources = citations.length === 0 && !message.sources.nothingRelevant ? null : { citations, nothingRelevant: message.sources.nothingRelevant };
    return { ...message, sources };
  });
}
