import type { Message, MessageRole, MessageStatus, Session } from "@recall/schema";

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
    sources: null,
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
