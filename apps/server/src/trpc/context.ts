import type { CreateFastifyContextOptions } from "@trpc/server/adapters/fastify";
import type { UserStore } from "../account/user-store.ts";
import { identityCookieName, identityCookieOptions, readIdentityToken, type IdentitySigner } from "../auth/identity.ts";

export interface RequestInfo {
  /** Sets the identity cookie to this token, or clears it (null); absent in createCaller tests. */
  setIdentityCookie?: (token: string | null) => void;
  secure: boolean;
}

/**
 * Facts about the request only. Services are not here: each router is built with the ones
 * it uses (`router.ts`).
 */
export interface Context {
  userId: string | null;
  /** Asked only when a write fails its foreign key: was the caller's user deleted meanwhile? */
  userExists: (userId: string) => Promise<boolean>;
  request: RequestInfo;
}

export interface ContextDependencies {
  identity: IdentitySigner;
  users: Pick<UserStore, "userExists">;
}

/** The request-free part: tests call procedures through `createCaller` with this. */
export function createContextInner(
  users: Pick<UserStore, "userExists">,
  userId: string | null,
  request: RequestInfo = { secure: false },
): Context {
  return { userId, userExists: (id) => users.userExists(id), request };
}

export function createContextFactory({ identity, users }: ContextDependencies) {
  return ({ req, res }: CreateFastifyContextOptions): Context => {
    const secure = req.protocol === "https";
    const token = readIdentityToken(req.headers.authorization, req.cookies[identityCookieName]);
    return createContextInner(users, identity.verify(token), {
      secure,
      setIdentityCookie: (value) => {
        // An empty value that expires at once tells the browser to drop the cookie.
        void res.setCookie(identityCookieName, value ?? "", { ...identityCookieOptions(secure), ...(value === null ? { maxAge: 0 } : {}) });
      },
    });
  };
}
