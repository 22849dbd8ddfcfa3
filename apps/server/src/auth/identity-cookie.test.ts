import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../testing/harness.ts";

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.close();
});

function ensure(headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${harness.url}/trpc/auth.ensure`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: "{}" });
}

async function userIdOf(response: Response): Promise<string> {
  return ((await response.json()) as { result: { data: { userId: string } } }).result.data.userId;
}

describe("the identity cookie over HTTP", () => {
  it("is set HttpOnly, SameSite=Lax, for the whole site, and not Secure over plain http", async () => {
    const response = await ensure();
    const cookie = response.headers.get("set-cookie") ?? "";
    const [pair, ...attributes] = cookie.split("; ");
    expect(pair).toMatch(/^recall_identity=[^;]+\.[^;]+$/);
    expect(attributes.sort()).toEqual(["HttpOnly", "Max-Age=31536000", "Path=/", "SameSite=Lax"]);
  });

  it("identifies a browser by the cookie alone, a program by its bearer token first", async () => {
    const first = await ensure();
    const cookiePair = (first.headers.get("set-cookie") ?? "").split(";")[0]!;
    const firstUser = await userIdOf(first);
    expect(await userIdOf(await ensure({ cookie: `theme=dark; ${cookiePair}` }))).toBe(firstUser);

    const other = await harness.newUser();
    expect(await userIdOf(await ensure({ cookie: cookiePair, authorization: `Bearer ${other.token}` }))).toBe(other.userId);
  });

  it("treats a cookie that is not a valid token as no identity", async () => {
    for (const cookie of ["recall_identity=%E0%A4%A", "recall_identity=", "recall_identity=someone.forged"]) {
      const response = await fetch(`${harness.url}/trpc/session.list`, { headers: { cookie } });
      expect(response.status).toBe(401);
    }
  });
});
