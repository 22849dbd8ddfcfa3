import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { CookieSerializeOptions } from "@fastify/cookie";

export const identityCookieName = "recall_identity";
const oneYearSeconds = 365 * 24 * 60 * 60;

/**
 * Anonymous identities are signed tokens: `<userId>.<hmac>`. The id alone grants
 * nothing; only a token this server (or one sharing its secret) signed does.
 */
export class IdentitySigner {
  constructor(private readonly secret: string) {
    if (secret.length < 32) throw new Error("The identity secret must be at least 32 characters.");
  }

  sign(userId: string): string {
    return `${userId}.${this.mac(userId)}`;
  }

  /** The user id of a valid token, or null for anything else (malformed, forged, empty). */
  verify(token: string | undefined | null): string | null {
    if (!token) return null;
    const separator = token.lastIndexOf(".");
    if (separator <= 0) return null;
    const userId = token.slice(0, separator);
    const given = Buffer.from(token.slice(separator + 1));
    const expected = Buffer.from(this.mac(userId));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    return userId;
  }

  private mac(userId: string): string {
    return createHmac("sha256", this.secret).update(`recall-identity:${userId}`).digest("base64url");
  }
}

export function generateSecret(): string {
  return randomBytes(32).toString("base64url");
}

/** The token from `Authorization: Bearer …` (programs), else the identity cookie (browsers; parsed by @fastify/cookie). */
export function readIdentityToken(authorization: string | undefined, cookie: string | undefined): string | null {
  if (authorization?.startsWith("Bearer ")) return authorization.slice("Bearer ".length).trim() || null;
  return cookie || null;
}

/** HttpOnly (scripts cannot read it), SameSite=Lax, the whole site, Secure when served over https. */
export function identityCookieOptions(secure: boolean): CookieSerializeOptions {
  return { path: "/", httpOnly: true, sameSite: "lax", maxAge: oneYearSeconds, secure };
}
