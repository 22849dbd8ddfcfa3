import type { PrismaClient } from "@recall/db";

export interface DeletedCounts {
  chats: number;
  messages: number;
  facts: number;
  episodes: number;
}

/** Users as rows: created anonymously, looked up by a token's id, deleted with everything they own. */
export class UserStore {
  constructor(private readonly prisma: PrismaClient) {}

  async createUser(): Promise<string> {
    const user = await this.prisma.user.create({ data: {} });
    return user.id;
  }

  async userExists(userId: string): Promise<boolean> {
    return (await this.prisma.user.count({ where: { id: userId } })) > 0;
  }

  /**
   * Deletes the User row; the schema cascades it to sessions, messages (and through
   * sessions to summaries), episodes and profile facts. Counts are taken in the same
   * transaction.
   */
  async deleteUser(userId: string): Promise<DeletedCounts> {
    const [chats, messages, facts, episodes] = await this.prisma.$transaction([
      this.prisma.chatSession.count({ where: { userId } }),
      this.prisma.message.count({ where: { userId } }),
      this.prisma.profileFact.count({ where: { userId } }),
      this.prisma.episode.count({ where: { userId } }),
      this.prisma.user.deleteMany({ where: { id: userId } }),
    ]);
    return { chats, messages, facts, episodes };
  }
}
