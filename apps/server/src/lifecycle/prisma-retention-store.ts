import type { PrismaClient } from "@recall/db";
import type { RetentionStore } from "./retention.ts";

/** `RetentionStore` on the database: indexed look-ups of ids, oldest first. */
export class PrismaRetentionStore implements RetentionStore {
  constructor(private readonly prisma: PrismaClient) {}

  async staleChats(before: Date, limit: number): Promise<{ userId: string; sessionId: string }[]> {
    const rows = await this.prisma.chatSession.findMany({
      where: { updatedAt: { lt: before } },
      orderBy: { updatedAt: "asc" },
      take: limit,
      select: { id: true, userId: true },
    });
    return rows.map((row) => ({ userId: row.userId, sessionId: row.id }));
  }

  async inactiveAnonymousUsers(before: Date, limit: number): Promise<string[]> {
    const rows = await this.prisma.user.findMany({
      // A library document used (uploaded, kept, summarized) since is activity too.
      where: { kind: "anonymous", createdAt: { lt: before }, sessions: { none: { updatedAt: { gte: before } } }, documents: { none: { updatedAt: { gte: before } } } },
      orderBy: { createdAt: "asc" },
      take: limit,
      select: { id: true },
    });
    return rows.map((row) => row.id);
  }

  async emptyAnonymousUsers(before: Date, limit: number): Promise<string[]> {
    const rows = await this.prisma.user.findMany({
      where: { kind: "anonymous", createdAt: { lt: before }, sessions: { none: {} }, profileFacts: { none: {} }, episodes: { none: {} }, documents: { none: {} } },
      orderBy: { createdAt: "asc" },
      take: limit,
      select: { id: true },
    });
    return rows.map((row) => row.id);
  }
}
