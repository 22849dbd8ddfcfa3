import type { CookieSerializeOptions } from "@fastify/cookie";
import { accessTokenLifetimeMs, refreshTokenLifetimeMs } from "./auth-service.ts";

export const accessCookieName = "recall_access";
export const refreshCookieName = "recall_refresh";

/**
 * Both only on `/trpc`, where every procedure lives (and where the server refreshes them):
 * pages and assets never carry them. HttpOnly, SameSite=Lax, Secure over https (directly or
 * through a trusted proxy, `RECALL_TRUST_PROXY`).
 */
const path = "/trpc";

export function accessCookieOptions(secure: boolean): CookieSerializeOptions {
  return { path, httpOnly: true, sameSite: "lax", secure, maxAge: accessTokenLifetimeMs / 1000 };
}

export function refreshCookieOptions(secure: boolean): CookieSerializeOptions {
  return { path, httpOnly: true, sameSite: "lax", secure, maxAge: refreshTokenLifetimeMs / 1000 };
}

/** An empty value that expires at once tells the browser to drop the cookie. */
export function clearedCookieOptions(options: CookieSerializeOptions): CookieSerializeOptions {
  return { ...options, maxAge: 0 };
}
