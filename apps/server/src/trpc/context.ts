import type { CreateFastifyContextOptions } from "@trpc/server/adapters/fastify";
import type { UserStore } from "../account/user-store.ts";
import { accessCookieName, accessCookieOptions, clearedCookieOptions, refreshCookieName, refreshCookieOptions } from "../auth/auth-cookies.ts";
import type { AuthIdentity, AuthService, Role } from "../auth/auth-service.ts";
import { looksLikeAccessToken } from "../auth/access-token.ts";
import { identityCookieName, identityCookieOptions } from "../auth/identity.ts";

export interface RequestInfo {
  secure: boolean;
  /** How the caller identified itself: a bearer token (programs), cookies (browsers) or nothing yet. */
  via?: "bearer" | "cookie" | "none";
  /** Browsers: sets the access (and refresh) cookies, or clears them (null). Absent in createCaller tests. */
  setSessionCookies?: (tokens: { accessToken: string; refreshToken?: string } | null) => void;
  /** A legacy `<userId>.<hmac>` bearer token not yet exchanged: `auth.token` exchanges it once. */
  legacyUserId?: string | null;
  /** Why a presented token was refused (expired, revoked, …): the message says what to do. */
  tokenProblem?: string | null;
}

/** The caller's session: the one its token names (null without one, or in createCaller tests). */
export interface SessionFacts {
  sessionId: string | null;
  login: string | null;
  role: Role;
}

/**
 * Facts about the request only. Services are not here: each router is built with the ones
 * it uses (`router.ts`).
 */
export interface Context {
  userId: string | null;
  session: SessionFacts;
  /** Asked only when a write fails its foreign key: was the caller's user deleted meanwhile? */
  userExists: (userId: string) => Promise<boolean>;
  request: RequestInfo;
}

export interface ContextDependencies {
  auth: AuthService;
  users: Pick<UserStore, "userExists">;
}

/** The request-free part: tests call procedures through `createCaller` with this. */
export function createContextInner(
  users: Pick<UserStore, "userExists">,
  userId: string | null,
  request: RequestInfo = { secure: false },
  session: SessionFacts = { sessionId: null, login: null, role: "user" },
): Context {
  return { userId, session, userExists: (id) => users.userExists(id), request };
}

const tokenProblems = {
  expired: "Your access token expired: get a new one with auth.refresh (browsers do this by themselves).",
  revoked: "This session has ended (logged out, password changed or data deleted). Log in again.",
  legacy: "This is an old Recall token: exchange it once with auth.token for an access and a refresh token.",
  exchanged: "This old token was already exchanged: use the access and refresh tokens you got then.",
  invalid: "That token is not valid. Log in again, or call auth.token.",
} as const;

/**
 * Browsers carry an access cookie (15 min) and a refresh cookie (7 days). When the access
 * token is missing or expired but the refresh token is good, the session rotates here, so
 * the page never deals with expiry. Programs send `Authorization: Bearer <access token>`,
 * which is used alone (cookies ignored) and never refreshed for them.
 */
export function createContextFactory({ auth, users }: ContextDependencies) {
  return async ({ req, res }: CreateFastifyContextOptions): Promise<Context> => {
    const secure = req.protocol === "https";
    const setSessionCookies = (tokens: { accessToken: string; refreshToken?: string } | null): void => {
      if (tokens === null) {
        void res.setCookie(accessCookieName, "", clearedCookieOptions(accessCookieOptions(secure)));
        void res.setCookie(refreshCookieName, "", clearedCookieOptions(refreshCookieOptions(secure)));
        return;
      }
      void res.setCookie(accessCookieName, tokens.accessToken, accessCookieOptions(secure));
      if (tokens.refreshToken) void res.setCookie(refreshCookieName, tokens.refreshToken, refreshCookieOptions(secure));
    };
    const build = (identity: Pick<AuthIdentity, "userId" | "login"> & { sessionId: string | null } | null, request: Omit<RequestInfo, "secure" | "setSessionCookies">): Context =>
      createContextInner(users, identity?.userId ?? null, { secure, setSessionCookies, ...request }, {
        sessionId: identity?.sessionId ?? null,
        login: identity?.login ?? null,
        role: auth.roleOf(identity?.login ?? null),
      });

    const authorization = req.headers.authorization;
    if (authorization?.startsWith("Bearer ")) {
      const token = authorization.slice("Bearer ".length).trim();
      if (looksLikeAccessToken(token)) {
        const checked = await auth.authenticate(token);
        if (checked.ok) return build(checked.identity, { via: "bearer" });
        const problem = checked.problem === "expired" ? tokenProblems.expired : checked.problem === "revoked" ? tokenProblems.revoked : tokenProblems.invalid;
        return build(null, { via: "bearer", tokenProblem: problem });
      }
      const legacy = await auth.checkLegacy(token);
      return build(null, {
        via: "bearer",
        legacyUserId: legacy.kind === "exchange" ? legacy.userId : null,
        tokenProblem: legacy.kind === "exchange" ? tokenProblems.legacy : legacy.kind === "grace" ? tokenProblems.exchanged : tokenProblems.invalid,
      });
    }

    const accessCookie = req.cookies[accessCookieName];
    if (accessCookie) {
      const checked = await auth.authenticate(accessCookie);
      if (checked.ok) return build(checked.identity, { via: "cookie" });
    }
    const refreshCookie = req.cookies[refreshCookieName];
    if (refreshCookie) {
      const refreshed = await auth.refresh(refreshCookie);
      if (refreshed.kind === "rotated") {
        setSessionCookies(refreshed.tokens);
        return build(refreshed.identity, { via: "cookie" });
      }
      if (refreshed.kind === "grace") {
        setSessionCookies({ accessToken: refreshed.accessToken });
        return build(refreshed.identity, { via: "cookie" });
      }
      setSessionCookies(null);
      return build(null, { via: "cookie", tokenProblem: tokenProblems.revoked });
    }

    const legacyCookie = req.cookies[identityCookieName];
    if (legacyCookie) {
      // The old never-expiring cookie: exchanged once for a session, then cleared.
      const legacy = await auth.checkLegacy(legacyCookie);
      void res.setCookie(identityCookieName, "", clearedCookieOptions(identityCookieOptions(secure)));
      if (legacy.kind === "exchange") {
        const issued = await auth.exchangeLegacy(legacy.userId);
        if (issued) {
          setSessionCookies(issued);
          return build({ userId: legacy.userId, sessionId: issued.sessionId, login: null }, { via: "cookie" });
        }
      }
      // A parallel request of the same page exchanged it a moment ago: this one still counts.
      if (legacy.kind !== "invalid") return build({ userId: legacy.userId, sessionId: null, login: null }, { via: "cookie" });
    }
    return build(null, { via: accessCookie ? "cookie" : "none", tokenProblem: accessCookie ? tokenProblems.revoked : null });
  };
}
