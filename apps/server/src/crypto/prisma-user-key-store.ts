import { Prisma, type PrismaClient } from "@recall/db";
import type { NewUserKey, StoredUserKey, UserKeyCursor, UserKeyStore } from "./user-key-store.ts";

/** Wrapped data keys in the `UserKey` table; the rows go with the User row (cascade). */
export class PrismaUserKeyStore implements UserKeyStore {
  constructor(private readonly prisma: PrismaClient) {}

  findCurrent(userId: string): Promise<StoredUserKey | null> {
    return this.prisma.userKey.findFirst({ where: { userId }, orderBy: { version: "desc" } });
  }

  findByVersion(userId: string, version: number): Promise<StoredUserKey | null> {
    return this.prisma.userKey.findUnique({ where: { userId_version: { userId, version } } });
  }

  async insert(key: NewUserKey): Promise<boolean> {
    try {
      await this.prisma.userKey.create({ data: key });
      return true;
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") return false;
      throw error;
    }
  }

  async deleteAllForUser(userId: string): Promise<number> {
    const { count } = await this.prisma.userKey.deleteMany({ where: { userId } });
    return count;
  }

  async deleteVersionsBelow(userId: string, version: number): Promise<number> {
    const { count } = await this.prisma.userKey.deleteMany({ where: { userId, version: { lt: version } } });
    return count;
  }

  listForRewrap(query: { notMasterVersion: number; after: UserKeyCursor | null; limit: number }): Promise<StoredUserKey[]> {
    const { after } = query;
    const afterCursor: Prisma.UserKeyWhereInput =
      after === null ? {} : { OR: [{ userId: { gt: after.userId } }, { userId: after.userId, version: { gt: after.version } }] };
    return this.prisma.userKey.findMany({
      where: { masterVersion: { not: query.notMasterVersion }, ...afterCursor },
      orderBy: [{ userId: "asc" }, { version: "asc" }],
      take: query.limit,
    });
  }

  async updateWrapping(key: UserKeyCursor, expectedMasterVersion: number, wrapping: { wrappedKey: string; masterVersion: number }): Promise<boolean> {
    const { count } = await this.prisma.userKey.updateMany({
      where: { userId: key.userId, version: key.version, masterVersion: expectedMasterVersion },
      data: wrapping,
    });
    return count === 1;
  }

  async countByMasterVersion(): Promise<Map<number, number>> {
    const groups = await this.prisma.userKey.groupBy({ by: ["masterVersion"], _count: { _all: true } });
    return new Map(groups.map((group) => [group.masterVersion, group._count._all]));
  }
}
