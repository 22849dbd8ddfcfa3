import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from "node:crypto";

/** What an access token says: whose it is, which session (refresh family) issued it, and when it is valid. */
export interface AccessClaims {
  /** The user id. */
  sub: string;
  /** The AuthSession id: revoking the session ends the token at once. */
  sid: string;
  /** Issued at, seconds since the epoch. */
  iat: number;
  /** Not valid before, seconds. */
  nbf: number;
  /** Expires at, seconds. */
  exp: number;
}

export type AccessTokenProblem = "malformed" | "algorithm" | "signature" | "expired" | "not-yet-valid";

export type AccessTokenCheck = { ok: true; claims: AccessClaims } | { ok: false; problem: AccessTokenProblem };

/** The one header this server writes and the only one it accepts, compared as bytes: no `alg` negotiation. */
const header = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
const skewSeconds = 5;

function base64url(text: string): string {
  return Buffer.from(text, "utf8").toString("base64url");
}

function parseJson(encoded: string): unknown {
  try {
    return JSON.parse(Buffer.from(encoded, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
}

function isClaims(value: unknown): value is AccessClaims {
  if (typeof value !== "object" || value === null) return false;
  const claims = value as Record<string, unknown>;
  return (
    typeof claims.sub === "string" && claims.sub.length > 0 &&
    typeof claims.sid === "string" && claims.sid.length > 0 &&
    Number.isSafeInteger(claims.iat) && Number.isSafeInteger(claims.nbf) && Number.isSafeInteger(claims.exp)
  );
}

/**
 * Compact JWS with HMAC-SHA256 under a key derived from the server secret (so it never
 * verifies the legacy identity MAC or anything else signed with that secret). The algorithm
 * is pinned: a token whose header is not exactly ours (`alg: none`, RS256, HS512, extra
 * fields) is refused before its signature is even computed.
 */
export class AccessTokenSigner {
  /** A key object, built once: with a raw buffer Node would build one on every request. */
  private readonly key: KeyObject;

  constructor(secret: string) {
    if (secret.length < 32) throw new Error("The token secret must be at least 32 characters.");
    this.key = createSecretKey(createHmac("sha256", secret).update("recall-access-token-v1").digest());
  }

  sign(claims: AccessClaims): string {
    const body = `${header}.${base64url(JSON.stringify(claims))}`;
    return `${body}.${this.mac(body)}`;
  }

  verify(token: string, nowMs: number): AccessTokenCheck {
    const parts = token.split(".");
    if (parts.length !== 3 || parts.some((part) => !/^[A-Za-z0-9_-]+$/.test(part))) return { ok: false, problem: "malformed" };
    const [givenHeader, payload, signature] = parts as [string, string, string];
    if (givenHeader !== header) return { ok: false, problem: parseJson(givenHeader) === undefined ? "malformed" : "algorithm" };
    const given = Buffer.from(signature, "base64url");
    const expected = Buffer.from(this.mac(`${givenHeader}.${payload}`), "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, problem: "signature" };
    const claims = parseJson(payload);
    if (!isClaims(claims)) return { ok: false, problem: "malformed" };
    const now = Math.floor(nowMs / 1000);
    if (now >= claims.exp) return { ok: false, problem: "expired" };
    if (now + skewSeconds < claims.nbf || now + skewSeconds < claims.iat) return { ok: false, problem: "not-yet-valid" };
    return { ok: true, claims };
  }

  private mac(body: string): string {
    return createHmac("sha256", this.key).update(body).digest("base64url");
  }
}

/** Three dot-separated parts: an access token; the legacy identity token has two. */
export function looksLikeAccessToken(token: string): boolean {
  return token.split(".").length === 3;
}
