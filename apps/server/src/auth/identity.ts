import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

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

/** The token from `Authorization: Bearer …` (programs) or the identity cookie (browsers). */
export function readIdentityToken(headers: { authorization?: string | undefined; cookie?: string | undefined }): string | null {
  const authorization = headers.authorization;
  if (authorization?.startsWith("Bearer ")) return authorization.slice("Bearer ".length).trim() || null;
  const cookie = headers.cookie;
  if (!cookie) return null;
  for (const part of cookie.split(";")) {
    const separator = part.indexOf("=");
    if (separator === -1) continue;
    if (part.slice(0, separator).trim() === identityCookieName) {
      try {
        return decodeURIComponent(part.slice(separator + 1).trim()) || null;
      } catch {
        return null;
      }
    }
  }
  return null;
}

export function identityCookie(token: string, secure: boolean): string {
  const attributes = [`${identityCookieName}=${encodeURIComponent(token)}`, "Path=/", "HttpOnly", "SameSite=Lax", `Max-Age=${oneYearSeconds}`];
  if (secure) attributes.push("Secure");
  return attributes.join("; ");
}

/** Tells the browser to drop its identity cookie (after the user's data was erased). */
export function expiredIdentityCookie(secure: boolean): string {
  const attributes = [`${identityCookieName}=`, "Path=/", "HttpOnly", "SameSite=Lax", "Max-Age=0"];
  if (secure) attributes.push("Secure");
  return attributes.join("; ");
}
