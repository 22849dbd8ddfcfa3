import { describe, expect, it } from "vitest";
import { IdentitySigner, identityCookieOptions, readIdentityToken } from "./identity.ts";

const signer = new IdentitySigner("x".repeat(40));

describe("IdentitySigner", () => {
  it("verifies what it signed", () => {
    expect(signer.verify(signer.sign("user_1"))).toBe("user_1");
  });

  it("rejects a token for another user id, a forged mac, and junk", () => {
    const token = signer.sign("user_1");
    const mac = token.split(".")[1];
    expect(signer.verify(`user_2.${mac}`)).toBeNull();
    expect(signer.verify(`user_1.${"A".repeat(mac!.length)}`)).toBeNull();
    expect(signer.verify("user_1")).toBeNull();
    expect(signer.verify("")).toBeNull();
    expect(signer.verify(null)).toBeNull();
  });

  it("rejects tokens signed with another secret", () => {
    const other = new IdentitySigner("y".repeat(40));
    expect(signer.verify(other.sign("user_1"))).toBeNull();
  });
});

describe("readIdentityToken", () => {
  it("prefers the bearer header, else takes the cookie's value", () => {
    expect(readIdentityToken("Bearer abc.def", "other.token")).toBe("abc.def");
    expect(readIdentityToken(undefined, "abc.def")).toBe("abc.def");
    expect(readIdentityToken("Basic abc", undefined)).toBeNull();
    expect(readIdentityToken("Bearer  ", undefined)).toBeNull();
    expect(readIdentityToken(undefined, "")).toBeNull();
  });

  it("sets a cookie that scripts cannot read, Secure over https", () => {
    expect(identityCookieOptions(true)).toEqual({ path: "/", httpOnly: true, sameSite: "lax", maxAge: 365 * 24 * 60 * 60, secure: true });
    expect(identityCookieOptions(false).secure).toBe(false);
  });
});
