import { describe, expect, it } from "vitest";
import { allowedImageSource, normalizeOrigins, safeLinkHref } from "./url-policy.ts";

describe("safeLinkHref", () => {
  it("keeps http, https and mailto, normalized", () => {
    expect(safeLinkHref("https://example.com/a?b=c#d")).toBe("https://example.com/a?b=c#d");
    expect(safeLinkHref("HTTP://Example.com")).toBe("http://example.com/");
    expect(safeLinkHref("mailto:someone@example.com")).toBe("mailto:someone@example.com");
  });

  it.each([
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "\u0001javascript:alert(1)",
    "jav\tascript:alert(1)",
    "java\nscript:alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html,<script>alert(1)</script>",
    "file:///etc/passwd",
    "ftp://example.com",
    "blob:https://example.com/id",
    "//evil.example/path",
    "/relative",
    "#fragment",
    "",
    null,
    undefined,
  ])("drops %j", (url) => {
    expect(safeLinkHref(url)).toBeNull();
  });
});

describe("allowedImageSource", () => {
  const origins = normalizeOrigins(["https://images.example/", "http://cdn.example:8080", "javascript:alert(1)", "not a url"]);

  it("normalizes the allowlist to origins and ignores what is not an http(s) origin", () => {
    expect([...origins]).toEqual(["https://images.example", "http://cdn.example:8080"]);
  });

  it("loads only from an allowed origin", () => {
    expect(allowedImageSource("https://images.example/cat.png", origins)).toBe("https://images.example/cat.png");
    expect(allowedImageSource("http://cdn.example:8080/a.png", origins)).toBe("http://cdn.example:8080/a.png");
  });

  it.each([
    "https://evil.example/?q=secret",
    "http://images.example/cat.png",
    "https://images.example.evil.example/cat.png",
    "https://images.example@evil.example/cat.png",
    "http://cdn.example/a.png",
    "data:image/png;base64,AAAA",
    "javascript:alert(1)",
    "/local.png",
    "",
  ])("blocks %j", (url) => {
    expect(allowedImageSource(url, origins)).toBeNull();
  });

  it("blocks everything when no origin is allowed", () => {
    expect(allowedImageSource("https://images.example/cat.png", normalizeOrigins([]))).toBeNull();
  });
});
