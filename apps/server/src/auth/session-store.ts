import type { PrismaClient } from "@recall/db";

export interface SessionRow {
  id: string;
  userId: string;
  revokedAt: Date | null;
  login: string | null;
}

export interface RefreshRow {
  sessionId: string;
  expiresAt: Date;
  replacedAt: Date | null;
  session: { userId: string; revokedAt: Date | null; expiresAt: Date };
}

export interface AccountRow {
  id: string;
  login: string | null;
  passwordHash: string | null;
  kind: string;
}

/** Sessions, refresh tokens (by hash only) and the account columns of the User row. */
export class SessionStore {
  constructor(private readonly prisma: PrismaClient) {}

  async createSession(userId: string, refreshHash: string, now: Date, expiresAt: Date): Promise<string> {
    const session = await this.prisma.authSession.create({
      data: { userId, createdAt: now, lastUsedAt: now, expiresAt, refreshTokens: { create: { tokenHash: refreshHash, createdAt: now, expiresAt } } },
      select: { id: true },
    });
    return session.id;
  }

  async session(sessionId: string): Promise<SessionRow | null> {
    const row = await this.prisma.authSession.findUnique({
      where: { id: sessionId },
      select: { id: true, userId: true, revokedAt: true, user: { select: { login: true } } },
    });
    return row ? { id: row.id, userId: row.userId, revokedAt: row.revokedAt, login: row.user.login } : null;
  }

  refreshToken(tokenHash: string): Promise<RefreshRow | null> {
    return this.prisma.refreshToken.findUnique({
      where: { tokenHash },
      select: { sessionId: true, expiresAt: true, replacedAt: true, session: { select: { userId: true, revokedAt: true, expiresAt: true } } },
    });
  }

  /**
   * Replaces `oldHash` by `newHash` if nobody replaced it first (false then: a concurrent
   * request won the race). Expired tokens of the family are dropped on the way.
   */
  async rotate(sessionId: string, oldHash: string, newHash: string, now: Date, expiresAt: Date): Promise<boolean> {
    return this.prisma.$transaction(async (transaction) => {
      const claimed = await transaction.refreshToken.updateMany({ where: { tokenHash: oldHash, replacedAt: null }, data: { replacedAt: now } });
      if (claimed.count !== 1) return false;
      await transaction.refreshToken.create({ data: { tokenHash: newHash, sessionId, createdAt: now, expiresAt } });
      await transaction.refreshToken.deleteMany({ where: { sessionId, expiresAt: { lt: now } } });
      await transaction.authSession.update({ where: { id: sessionId }, data: { lastUsedAt: now, expiresAt } });
      return true;
    });
  }

  /** Sessions whose refresh token expired are useless, revoked or not: dropped with their tokens. */
  async deleteExpired(now: Date): Promise<number> {
    return (await this.prisma.authSession.deleteMany({ where: { expiresAt: { lt: now } } })).count;
  }

  async revokeSession(sessionId: string, reason: string, now: Date): Promise<void> {
    await this.prisma.authSession.updateMany({ where: { id: sessionId, revokedAt: null }, data: { revokedAt: now, revokedReason: reason } });
  }

  /** Every live session of the user but `except` (the one just issued, on a password change). */
  async revokeUser(userId: string, reason: string, now: Date, except: string | null = null): Promise<void> {
    await this.prisma.authSession.updateMany({
      where: { userId, revokedAt: null, ...(except ? { id: { not: except } } : {}) },
      data: { revokedAt: now, revokedReason: reason },
    });
  }

  account(where: { id: string } | { login: string }): Promise<AccountRow | null> {
    return this.prisma.user.findUnique({ where, select: { id: true, login: true, passwordHash: true, kind: true } });
  }

  async createAccount(login: string, passwordHash: string): Promise<string> {
    const user = await this.prisma.user.create({ data: { kind: "account", login, passwordHash }, select: { id: true } });
    return user.id;
  }

  /** Anonymous row to account, keeping its chats; false if the row is gone or already an account. */
  async upgradeToAccount(userId: string, login: string, passwordHash: string): Promise<boolean> {
    const updated = await this.prisma.user.updateMany({ where: { id: userId, login: null }, data: { kind: "account", login, passwordHash } });
    return updated.count === 1;
  }

  async setPasswordHash(userId: string, passwordHash: string): Promise<void> {
    await this.prisma.user.update({ where: { id: userId }, data: { passwordHash } });
  }

  /** When the user's legacy token was exchanged, or undefined when the user does not exist. */
  async legacyTokenRetiredAt(userId: string): Promise<Date | null | undefined> {
    const row = await this.prisma.user.findUnique({ where: { id: userId }, select: { legacyTokenRetiredAt: true } });
    return row ? row.legacyTokenRetiredAt : undefined;
  }

  /** True for the one request that retires it. */
  async retireLegacyToken(userId: string, now: Date): Promise<boolean> {
    const updated = await this.prisma.user.updateMany({ where: { id: userId, legacyTokenRetiredAt: null }, data: { legacyTokenRetiredAt: now } });
    return updated.count === 1;
  }
}
