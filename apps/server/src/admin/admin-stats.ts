import { Prisma, type PrismaClient } from "@recall/db";

/** One day of activity (UTC). Counts only: the admin view never shows what anyone wrote. */
export interface DailyActivity {
  day: string;
  newUsers: number;
  /** Messages users sent. */
  messages: number;
  /** Users who sent at least one message that day. */
  activeUsers: number;
  newChats: number;
}

export interface DailyTokens {
  day: string;
  model: string;
  /** Ollama's prompt_eval_count summed over the day's replies (what the model read). */
  tokensIn: number;
  /** Ollama's eval_count summed (what it wrote). */
  tokensOut: number;
  replies: number;
}

export interface StoredTotals {
  users: number;
  accounts: number;
  chats: number;
  messages: number;
  /** Replies by final status (complete, interrupted, error, streaming). */
  repliesByStatus: Record<string, number>;
}

/** Aggregates over the database for the admin view; ids and text never leave it. */
export interface AdminStatsStore {
  totals(): Promise<StoredTotals>;
  dailyActivity(since: Date): Promise<DailyActivity[]>;
  dailyTokens(since: Date): Promise<DailyTokens[]>;
}

type Provider = "sqlite" | "postgresql";

/** The UTC day of a timestamp column as `YYYY-MM-DD` on either provider (SQLite keeps ISO text). */
function dayOf(provider: Provider, column: string): Prisma.Sql {
  return Prisma.raw(provider === "postgresql" ? `to_char(${column}, 'YYYY-MM-DD')` : `substr(${column}, 1, 10)`);
}

function count(value: unknown): number {
  return typeof value === "bigint" ? Number(value) : typeof value === "number" ? value : Number(value ?? 0);
}

export class PrismaAdminStatsStore implements AdminStatsStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly provider: Provider,
  ) {}

  async totals(): Promise<StoredTotals> {
    const [users, accounts, chats, messages, statuses] = await Promise.all([
      this.prisma.user.count(),
      this.prisma.user.count({ where: { kind: "account" } }),
      this.prisma.chatSession.count(),
      this.prisma.message.count({ where: { role: "user" } }),
      this.prisma.message.groupBy({ by: ["status"], where: { role: "assistant" }, _count: { _all: true } }),
    ]);
    return { users, accounts, chats, messages, repliesByStatus: Object.fromEntries(statuses.map((row) => [row.status, row._count._all])) };
  }

  async dailyActivity(since: Date): Promise<DailyActivity[]> {
    const userDay = dayOf(this.provider, `u."createdAt"`);
    const messageDay = dayOf(this.provider, `m."createdAt"`);
    const chatDay = dayOf(this.provider, `s."createdAt"`);
    const [users, messages, chats] = await Promise.all([
      this.prisma.$queryRaw<Array<{ day: string; n: unknown }>>(Prisma.sql`
        SELECT ${userDay} AS day, COUNT(*) AS n FROM "User" u WHERE u."createdAt" >= ${since} GROUP BY 1`),
      this.prisma.$queryRaw<Array<{ day: string; n: unknown; active: unknown }>>(Prisma.sql`
        SELECT ${messageDay} AS day, COUNT(*) AS n, COUNT(DISTINCT m."userId") AS active
        FROM "Message" m WHERE m."role" = 'user' AND m."createdAt" >= ${since} GROUP BY 1`),
      this.prisma.$queryRaw<Array<{ day: string; n: unknown }>>(Prisma.sql`
        SELECT ${chatDay} AS day, COUNT(*) AS n FROM "ChatSession" s WHERE s."createdAt" >= ${since} GROUP BY 1`),
    ]);
    const days = new Map<string, DailyActivity>();
    const at = (day: string): DailyActivity => {
      let entry = days.get(day);
      if (!entry) days.set(day, (entry = { day, newUsers: 0, messages: 0, activeUsers: 0, newChats: 0 }));
      return entry;
    };
    for (const row of users) at(row.day).newUsers = count(row.n);
    for (const row of messages) Object.assign(at(row.day), { messages: count(row.n), activeUsers: count(row.active) });
    for (const row of chats) at(row.day).newChats = count(row.n);
    return fillDays(since, days, (day) => ({ day, newUsers: 0, messages: 0, activeUsers: 0, newChats: 0 }));
  }

  async dailyTokens(since: Date): Promise<DailyTokens[]> {
    const day = dayOf(this.provider, `m."createdAt"`);
    const rows = await this.prisma.$queryRaw<Array<{ day: string; model: string | null; tokensIn: unknown; tokensOut: unknown; replies: unknown }>>(Prisma.sql`
      SELECT ${day} AS day, m."model" AS model, SUM(COALESCE(m."promptTokens", 0)) AS "tokensIn",
             SUM(COALESCE(m."completionTokens", 0)) AS "tokensOut", COUNT(*) AS replies
      FROM "Message" m WHERE m."role" = 'assistant' AND m."createdAt" >= ${since} GROUP BY 1, 2 ORDER BY 1, 2`);
    return rows.map((row) => ({ day: row.day, model: row.model ?? "unknown", tokensIn: count(row.tokensIn), tokensOut: count(row.tokensOut), replies: count(row.replies) }));
  }
}

/** Every day from `since` to today, so a chart shows quiet days as zero rather than skipping them. */
function fillDays<Entry>(since: Date, found: Map<string, Entry>, empty: (day: string) => Entry): Entry[] {
  const result: Entry[] = [];
  const today = new Date().toISOString().slice(0, 10);
  for (let at = new Date(since.toISOString().slice(0, 10) + "T00:00:00Z"); ; at = new Date(at.getTime() + 86_400_000)) {
    const day = at.toISOString().slice(0, 10);
    result.push(found.get(day) ?? empty(day));
    if (day >= today) break;
  }
  return result;
}
