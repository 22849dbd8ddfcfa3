import { Prisma, type PrismaClient } from "@recall/db";

/** What the limits count in the stores: saved rows in the database, temporary chats in memory. */
export interface UsageCounts {
  /** Characters of the user's saved message text as stored (user messages and replies). */
  storedChars(userId: string): Promise<number>;
  savedChats(userId: string): Promise<number>;
  temporaryChats(userId: string): Promise<number>;
  /** Characters the user's temporary chats hold in this instance's memory. */
  temporaryChars(userId: string): Promise<number>;
}

/** Saved rows through Prisma (one indexed aggregate over the user's rows); temporary chats from their store. */
export function prismaUsageCounts(prisma: PrismaClient, temporary: { sessionIds(userId: string): Promise<string[]>; heldChars(userId: string): number }): UsageCounts {
  return {
    async storedChars(userId) {
      const rows = await prisma.$queryRaw<Array<{ total: bigint | number | null }>>(
        Prisma.sql`SELECT SUM(LENGTH("content")) AS "total" FROM "Message" WHERE "userId" = ${userId}`,
      );
      return Number(rows[0]?.total ?? 0);
    },
    savedChats: (userId) => prisma.chatSession.count({ where: { userId } }),
    temporaryChats: async (userId) => (await temporary.sessionIds(userId)).length,
    temporaryChars: async (userId) => temporary.heldChars(userId),
  };
}
