import { describe, expect, it } from "vitest";
import { IdentitySigner, identityCookie, readIdentityToken } from "./identity.ts";

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
  it("prefers the bearer header, else reads the cookie", () => {
    expect(readIdentityToken({ authorization: "Bearer abc.def" })).toBe("abc.def");
    expect(readIdentityToken({ cookie: `theme=dark; ${identityCookie("abc.def", false).split(";")[0]}` })).toBe("abc.def");
    expect(readIdentityToken({ cookie: "theme=dark" })).toBeNull();
    expect(readIdentityToken({ cookie: "recall_identity=%E0%A4%A" })).toBeNull();
  });

  it("sets a cookie that scripts cannot read", () => {
    const cookie = identityCookie("abc.def", true);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Lax");
    expect(cookie).toContain("Secure");
  });
});
