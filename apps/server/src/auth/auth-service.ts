import { createHash, randomBytes } from "node:crypto";
import type { Clock } from "@recall/memory";
import { LRUCache } from "lru-cache";
import { ConflictError, InvalidRequestError, UnauthorizedError } from "../domain-errors.ts";
import { AccessTokenSigner, type AccessTokenProblem } from "./access-token.ts";
import type { IdentitySigner } from "./identity.ts";
import { loginProblem, normalizeLogin } from "./login-name.ts";
import { PasswordHasher, passwordMaxLength, passwordMinLength } from "./passwords.ts";
import type { SessionStore } from "./session-store.ts";

export const accessTokenLifetimeMs = 15 * 60_000;
export const refreshTokenLifetimeMs = 7 * 24 * 3_600_000;
/**
 * A refresh token replaced this recently is still accepted (a new access token, no new refresh
 * token): a page's parallel requests all carry the same expired access cookie and refresh
 * cookie, and only the first one rotates. Presented after this, it is reuse.
 */
export const refreshGraceMs = 30_000;
/** How long a session check is trusted without the database (a revoke in this process clears it at once). */
const sessionCacheTtlMs = 30_000;
/** Expired sessions are deleted at most this often, on the way of issuing a new one. */
const pruneEveryMs = 3_600_000;

export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
  /** When the access token expires (ISO 8601). */
  expiresAt: string;
}

export interface AuthIdentity {
  userId: string;
  sessionId: string;
  login: string | null;
}

export type AccessCheck = { ok: true; identity: AuthIdentity } | { ok: false; problem: AccessTokenProblem | "revoked" };

export type RefreshOutcome =
  | { kind: "rotated"; identity: AuthIdentity; tokens: IssuedTokens }
  /** Replaced moments ago by a concurrent request: a fresh access token only. */
  | { kind: "grace"; identity: AuthIdentity; accessToken: string; expiresAt: string }
  | { kind: "invalid" }
  | { kind: "reuse" };

export type LegacyOutcome = { kind: "exchange"; userId: string } | { kind: "grace"; userId: string } | { kind: "invalid" };

type CachedSession = { revoked: false; userId: string; login: string | null } | { revoked: true };

export type Role = "admin" | "user";

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "P2002";
}

/**
 * Sessions and accounts. An access token (15 min, `access-token.ts`) names its session; a
 * refresh token (7 days, random, stored as SHA-256 only) rotates on every use, and a replaced
 * one used again after the grace window revokes its whole family (it was stolen, or the thief
 * used it first).
 *
 * The session cache makes revocation immediate in this process. With several instances a
 * revoke elsewhere reaches this one within `sessionCacheTtlMs` at most; to make it immediate
 * everywhere, publish revocations (Redis pub/sub on the instances' shared Redis) and clear
 * the entry on each instance, or drop the cache.
 */
export class AuthService {
  private readonly signer: AccessTokenSigner;
  private readonly passwords = new PasswordHasher();
  // Aged by the injected clock, so tests can move past the window another instance's revoke takes.
  private readonly sessions = new LRUCache<string, CachedSession>({ max: 10_000, ttl: sessionCacheTtlMs, perf: { now: () => this.clock.now().getTime() } });
  private readonly admins: ReadonlySet<string>;
  private lastPruneMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly store: SessionStore,
    private readonly legacy: IdentitySigner,
    secret: string,
    adminLogins: readonly string[],
    private readonly clock: Clock,
  ) {
    this.signer = new AccessTokenSigner(secret);
    this.admins = new Set(adminLogins.map(normalizeLogin));
  }

  roleOf(login: string | null): Role {
    return login !== null && this.admins.has(login) ? "admin" : "user";
  }

  private nowMs(): number {
    return this.clock.now().getTime();
  }

  private accessToken(userId: string, sessionId: string): { accessToken: string; expiresAt: string } {
    const now = this.nowMs();
    const seconds = Math.floor(now / 1000);
    const exp = seconds + accessTokenLifetimeMs / 1000;
    return { accessToken: this.signer.sign({ sub: userId, sid: sessionId, iat: seconds, nbf: seconds, exp }), expiresAt: new Date(exp * 1000).toISOString() };
  }

  /** A new session (refresh family) for the user. */
  async issue(userId: string): Promise<IssuedTokens & { sessionId: string }> {
    const refreshToken = `rt1_${randomBytes(32).toString("base64url")}`;
    const now = this.clock.now();
    if (now.getTime() - this.lastPruneMs >= pruneEveryMs) {
      this.lastPruneMs = now.getTime();
      await this.store.deleteExpired(now);
    }
    const sessionId = await this.store.createSession(userId, sha256(refreshToken), now, new Date(now.getTime() + refreshTokenLifetimeMs));
    return { sessionId, refreshToken, ...this.accessToken(userId, sessionId) };
  }

  async authenticate(token: string): Promise<AccessCheck> {
    const checked = this.signer.verify(token, this.nowMs());
    if (!checked.ok) return checked;
    const { sid, sub } = checked.claims;
    let cached = this.sessions.get(sid);
    if (!cached) {
      const row = await this.store.session(sid);
      cached = row && row.revokedAt === null ? { revoked: false, userId: row.userId, login: row.login } : { revoked: true };
      this.sessions.set(sid, cached);
    }
    if (cached.revoked || cached.userId !== sub) return { ok: false, problem: "revoked" };
    return { ok: true, identity: { userId: cached.userId, sessionId: sid, login: cached.login } };
  }

  async refresh(refreshToken: string): Promise<RefreshOutcome> {
    if (!/^rt1_[A-Za-z0-9_-]{43}$/.test(refreshToken)) return { kind: "invalid" };
    const tokenHash = sha256(refreshToken);
    const row = await this.store.refreshToken(tokenHash);
    const now = this.clock.now();
    if (!row || row.session.revokedAt !== null || row.expiresAt <= now) return { kind: "invalid" };
    const identity = async (): Promise<AuthIdentity | null> => {
      const session = await this.store.session(row.sessionId);
      return session && session.revokedAt === null ? { userId: session.userId, sessionId: session.id, login: session.login } : null;
    };
    if (row.replacedAt === null) {
      const next = `rt1_${randomBytes(32).toString("base64url")}`;
      if (await this.store.rotate(row.sessionId, tokenHash, sha256(next), now, new Date(now.getTime() + refreshTokenLifetimeMs))) {
        const who = await identity();
        if (!who) return { kind: "invalid" };
        return { kind: "rotated", identity: who, tokens: { refreshToken: next, ...this.accessToken(who.userId, who.sessionId) } };
      }
      // A concurrent request rotated it between our read and our write: the grace case.
      return this.refresh(refreshToken);
    }
    if (now.getTime() - row.replacedAt.getTime() <= refreshGraceMs) {
      const who = await identity();
      if (!who) return { kind: "invalid" };
      return { kind: "grace", identity: who, ...this.accessToken(who.userId, who.sessionId) };
    }
    await this.revokeSession(row.sessionId, "reuse");
    return { kind: "reuse" };
  }

  async revokeSession(sessionId: string, reason: string): Promise<void> {
    await this.store.revokeSession(sessionId, reason, this.clock.now());
    this.sessions.set(sessionId, { revoked: true });
  }

  /** Ends every session of the user (log out everywhere, password change, delete my data), but `except`. */
  async revokeUser(userId: string, reason: string, except: string | null = null): Promise<void> {
    await this.store.revokeUser(userId, reason, this.clock.now(), except);
    this.forgetUser(userId, except);
  }

  private forgetUser(userId: string, except: string | null = null): void {
    for (const [sessionId, cached] of this.sessions.entries()) {
      if (!cached.revoked && cached.userId === userId && sessionId !== except) this.sessions.delete(sessionId);
    }
  }

  /** The legacy `<userId>.<hmac>` token: exchanged once for a session; refused afterwards (bar a short grace). */
  async checkLegacy(token: string): Promise<LegacyOutcome> {
    const userId = this.legacy.verify(token);
    if (!userId) return { kind: "invalid" };
    const retiredAt = await this.store.legacyTokenRetiredAt(userId);
    if (retiredAt === undefined) return { kind: "invalid" };
    if (retiredAt === null) return { kind: "exchange", userId };
    return this.nowMs() - retiredAt.getTime() <= refreshGraceMs ? { kind: "grace", userId } : { kind: "invalid" };
  }

  /** Issues the session the legacy token is exchanged for; null when another request exchanged it first. */
  async exchangeLegacy(userId: string): Promise<(IssuedTokens & { sessionId: string }) | null> {
    if (!(await this.store.retireLegacyToken(userId, this.clock.now()))) return null;
    return this.issue(userId);
  }

  private checkPassword(password: string): void {
    if (password.length < passwordMinLength) throw new InvalidRequestError(`The password is too short: use at least ${passwordMinLength} characters.`);
    if (password.length > passwordMaxLength) throw new InvalidRequestError(`The password is too long: ${passwordMaxLength} characters at most.`);
  }

  /**
   * An account for the caller: the anonymous user `currentUserId` becomes it (its chats are
   * kept), or a new user when there is none. Returns the user id.
   */
  async signUp(currentUserId: string | null, rawLogin: string, password: string): Promise<string> {
    const login = normalizeLogin(rawLogin);
    const problem = loginProblem(login);
    if (problem) throw new InvalidRequestError(problem);
    this.checkPassword(password);
    const passwordHash = await this.passwords.hash(password);
    try {
      if (currentUserId) {
        const current = await this.store.account({ id: currentUserId });
        if (current?.login) throw new ConflictError(`You are signed in as ${current.login}. Log out first to create another account.`);
        if (current && (await this.store.upgradeToAccount(currentUserId, login, passwordHash))) {
          this.forgetUser(currentUserId);
          return currentUserId;
        }
      }
      return await this.store.createAccount(login, passwordHash);
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError("That username is taken. Choose another, or log in if it is yours.");
      throw error;
    }
  }

  /** The user id for a login and password; the same error, and about the same time, for an unknown login or a wrong password. */
  async logIn(rawLogin: string, password: string): Promise<string> {
    const login = normalizeLogin(rawLogin);
    const account = login.length > 0 && password.length <= passwordMaxLength ? await this.store.account({ login }) : null;
    const valid = account?.passwordHash ? await this.passwords.verify(account.passwordHash, password) : await this.passwords.verifyDummy(password);
    if (!account || !valid) throw new UnauthorizedError("Wrong username or password.");
    return account.id;
  }

  /** The account's login (null: anonymous). */
  async describeAccount(userId: string): Promise<string | null> {
    return (await this.store.account({ id: userId }))?.login ?? null;
  }

  /** Checks the current password, stores the new one and ends every other session. */
  async changePassword(userId: string, currentPassword: string, nextPassword: string, keepSessionId: string | null): Promise<void> {
    const account = await this.store.account({ id: userId });
    if (!account?.passwordHash) throw new InvalidRequestError("Sign up first: this identity has no password to change.");
    if (!(await this.passwords.verify(account.passwordHash, currentPassword))) throw new UnauthorizedError("The current password is wrong.");
    this.checkPassword(nextPassword);
    await this.store.setPasswordHash(userId, await this.passwords.hash(nextPassword));
    await this.revokeUser(userId, "password-change", keepSessionId);
  }
}
