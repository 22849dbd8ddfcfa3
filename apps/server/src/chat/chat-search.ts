import { Prisma, type DatabaseProvider, type PrismaClient } from "@recall/db";
import type { Session } from "@recall/schema";
import { toSession } from "./serialize.ts";

export interface SessionSearchHit {
  session: Session;
  /** A title match wins: its chat comes with no snippet. */
  match: "title" | "content";
  /** About `snippetLength` characters of the first matching message around the match; null for a title match. */
  snippet: string | null;
  messageId: string | null;
}

const snippetLength = 120;

/** Stored values as the user wrote them (the field cipher: in plaintext mode it unescapes text that looked like ciphertext). */
export interface SearchReveal {
  session(row: { id: string; userId: string; title: string; model: string | null; createdAt: Date; updatedAt: Date }): Promise<Session>;
  content(row: { id: string; userId: string; content: string }): Promise<string>;
}

const storedAsWritten: SearchReveal = {
  session: async (row) => toSession(row),
  content: async (row) => row.content,
};

/**
 * The saved chats of a user whose title or any message contains `query`, newest first.
 * Raw SQL because Prisma's `contains` cannot match `%` and `_` literally on SQLite (it
 * emits LIKE with no ESCAPE clause); here both providers get an explicit `ESCAPE '\'`,
 * with ILIKE on PostgreSQL (what `mode: "insensitive"` emits) and LIKE on SQLite
 * (case-insensitive for ASCII).
 */
export async function searchSavedChats(
  prisma: PrismaClient,
  provider: DatabaseProvider,
  userId: string,
  query: string,
  limit: number,
  reveal: SearchReveal = storedAsWritten,
): Promise<SessionSearchHit[]> {
  const pattern = `%${query.replace(/[\\%_]/g, "\\$&")}%`;
  const like = Prisma.raw(provider === "postgresql" ? "ILIKE" : "LIKE");
  const titleMatches = Prisma.sql`s."title" ${like} ${pattern} ESCAPE '\\'`;
  const contentMatches = Prisma.sql`m."sessionId" = s."id" AND m."content" ${like} ${pattern} ESCAPE '\\'`;
  // One row per chat; for a chat found by its messages only, the oldest matching message.
  const rows = await prisma.$queryRaw<Array<{ sessionId: string; messageId: string | null }>>(Prisma.sql`
    SELECT s."id" AS "sessionId",
      CASE WHEN ${titleMatches} THEN NULL
        ELSE (SELECT m."id" FROM "Message" m WHERE ${contentMatches} ORDER BY m."createdAt" ASC, m."id" ASC LIMIT 1)
      END AS "messageId"
    FROM "ChatSession" s
    WHERE s."userId" = ${userId} AND (${titleMatches} OR EXISTS (SELECT 1 FROM "Message" m WHERE ${contentMatches}))
    ORDER BY s."updatedAt" DESC, s."id" DESC
    LIMIT ${limit}`);
  if (rows.length === 0) return [];
  const messageIds = rows.flatMap((row) => (row.messageId ? [row.messageId] : []));
  const [sessions, messages] = await Promise.all([
    prisma.chatSession.findMany({ where: { userId, id: { in: rows.map((row) => row.sessionId) } } }),
    messageIds.length > 0 ? prisma.message.findMany({ where: { userId, id: { in: messageIds } }, select: { id: true, userId: true, content: true } }) : [],
  ]);
  const sessionById = new Map(await Promise.all(sessions.map(async (row) => [row.id, await reveal.session(row)] as const)));
  const contentById = new Map(await Promise.all(messages.map(async (row) => [row.id, await reveal.content(row)] as const)));
  const hits: SessionSearchHit[] = [];
  for (const row of rows) {
    const session = sessionById.get(row.sessionId);
    // Deleted between the two reads: leave it out.
    if (!session) continue;
    const content = row.messageId ? contentById.get(row.messageId) : undefined;
    if (row.messageId && content === undefined) continue;
    hits.push(
      row.messageId && content !== undefined
        ? { session, match: "content", snippet: snippetAround(content, query), messageId: row.messageId }
        : { session, match: "title", snippet: null, messageId: null },
    );
  }
  return hits;
}

/** Whether `text` contains `query`, ignoring case (ephemeral chats, searched in memory). */
export function containsIgnoringCase(text: string, query: string): boolean {
  return text.toLowerCase().includes(query.toLowerCase());
}

/** About `snippetLength` characters of `content` around the first match of `query`, on one line. */
export function snippetAround(content: string, query: string): string {
  const escaped = query.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const found = content.search(new RegExp(escaped, "iu"));
  const at = Math.max(0, found);
  let start = Math.max(0, at - Math.floor(Math.max(0, snippetLength - query.length) / 3));
  const end = Math.min(content.length, start + snippetLength);
  start = Math.max(0, end - snippetLength);
  // Never cut an emoji or other surrogate pair in half.
  if (isLowSurrogate(content.charCodeAt(start))) start += 1;
  const stop = isLowSurrogate(content.charCodeAt(end)) ? end - 1 : end;
  const text = content.slice(start, stop).replace(/\s+/g, " ").trim();
  return `${start > 0 ? "…" : ""}${text}${stop < content.length ? "…" : ""}`;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
