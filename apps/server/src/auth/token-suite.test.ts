import { createHmac } from "node:crypto";
import type { Clock } from "@recall/memory";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestCaller } from "../testing/caller.ts";
import { startHarness, trpcRejection, type Harness } from "../testing/harness.ts";
import { refreshGraceMs } from "./auth-service.ts";

let now = Date.now();
const clock: Clock = { now: () => new Date(now) };
let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ recall: { clock } });
});
afterAll(async () => {
  await harness?.close();
});
beforeEach(() => {
  now = Date.now();
});

const encode = (value: unknown): string => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

/** What an attacker who knew the server's key could sign: every variant must still be refused for its header or claims. */
function forge(header: unknown, claims: unknown, algorithm: "sha256" | "sha512" = "sha256"): string {
  const key = createHmac("sha256", harness.config.secret!).update("recall-access-token-v1").digest();
  const body = `${encode(header)}.${encode(claims)}`;
  return `${body}.${createHmac(algorithm, key).update(body).digest("base64url")}`;
}

function claimsOf(token: string): { sub: string; sid: string; iat: number; nbf: number; exp: number } {
  return JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as ReturnType<typeof claimsOf>;
}

async function refused(token: string | null): Promise<string> {
  const rejection = await trpcRejection(harness.clientFor(token).session.list.query());
  expect(rejection.code).toBe("UNAUTHORIZED");
  return rejection.message;
}

describe("the token suite", () => {
  it("accepts the token it issued, and nothing else: none, tampered, other algorithms, alg none, not yet valid", async () => {
    const { token } = await harness.newUser();
    expect((await harness.clientFor(token).session.list.query()).items).toEqual([]);
    const [header, payload, signature] = token.split(".") as [string, string, string];
    const claims = claimsOf(token);

    expect(await refused(null)).toMatch(/No identity yet/);
    expect(await refused("")).toMatch(/No identity yet/);
    const flip = (text: string) => (text.startsWith("A") ? `B${text.slice(1)}` : `A${text.slice(1)}`);
    const tampered = [
      `${header}.${flip(payload)}.${signature}`,
      `${header}.${payload}.${flip(signature)}`,
      `${header}.${encode({ ...claims, sub: "someone-else" })}.${signature}`,
      `${header}.${encode({ ...claims, exp: claims.exp + 86_400 })}.${signature}`,
      `${header}.${payload}.`,
      `${header}.${payload}`,
      `${token}.`,
      token.toUpperCase(),
    ];
    for (const forged of tampered) expect(await refused(forged)).toMatch(/not valid|old Recall token/);

    const algorithms = [
      forge({ alg: "HS512", typ: "JWT" }, claims, "sha512"),
      forge({ alg: "HS256" }, claims),
      forge({ typ: "JWT", alg: "HS256" }, claims),
      forge({ alg: "HS256", typ: "JWT", kid: "other" }, claims),
      `${encode({ alg: "RS256", typ: "JWT" })}.${payload}.${signature}`,
      `${encode({ alg: "none", typ: "JWT" })}.${payload}.`,
      `${encode({ alg: "none", typ: "JWT" })}.${payload}.${signature}`,
      `${encode({ alg: "none" })}.${payload}`,
    ];
    for (const forged of algorithms) expect(await refused(forged)).toMatch(/not valid|old Recall token/);

    // Signed with the right key and header: still refused until its time comes.
    const seconds = Math.floor(now / 1000);
    expect(await refused(forge({ alg: "HS256", typ: "JWT" }, { ...claims, iat: seconds + 3600, nbf: seconds + 3600, exp: seconds + 7200 }))).toMatch(/not valid/);
    // And a well-signed token for a session that does not exist.
    expect(await refused(forge({ alg: "HS256", typ: "JWT" }, { ...claims, sid: "no-such-session" }))).toMatch(/session has ended/);
    // Ours again, untouched: accepted.
    expect((await harness.clientFor(forge({ alg: "HS256", typ: "JWT" }, claims)).session.list.query()).items).toEqual([]);
  });

  it("expires the access token after 15 minutes; the refresh token gets a new one", async () => {
    const { token, refreshToken, userId } = await harness.newUser();
    now += 14 * 60_000;
    await harness.clientFor(token).session.list.query();
    now += 60_000;
    expect(await refused(token)).toMatch(/expired.*auth\.refresh/);
    const refreshed = await harness.clientFor(null).auth.refresh.mutate({ refreshToken });
    expect(refreshed.userId).toBe(userId);
    expect(new Date(refreshed.expiresAt).getTime()).toBe(Math.floor(now / 1000) * 1000 + 15 * 60_000);
    expect((await harness.clientFor(refreshed.accessToken).auth.me.query()).userId).toBe(userId);
    // Seven days later the refresh token is spent too.
    now += 7 * 24 * 3_600_000;
    await expect(harness.clientFor(null).auth.refresh.mutate({ refreshToken: refreshed.refreshToken! })).rejects.toMatchObject({ data: { code: "UNAUTHORIZED" } });
  });

  it("detects refresh token reuse: a short grace for a racing request, then the whole family is revoked", async () => {
    const { token, refreshToken } = await harness.newUser();
    const anonymous = harness.clientFor(null);
    const first = await anonymous.auth.refresh.mutate({ refreshToken });
    // A concurrent refresh with the same token, moments later: a new access token, no new refresh token.
    now += 2000;
    const racing = await anonymous.auth.refresh.mutate({ refreshToken });
    expect(racing.refreshToken).toBeNull();
    await harness.clientFor(racing.accessToken).session.list.query();

    now += refreshGraceMs;
    const reuse = await trpcRejection(anonymous.auth.refresh.mutate({ refreshToken }));
    expect(reuse).toEqual({ code: "UNAUTHORIZED", message: expect.stringContaining("already used") });
    // The thief's (or the owner's) newer tokens die with the family, access tokens included, at once.
    await expect(anonymous.auth.refresh.mutate({ refreshToken: first.refreshToken! })).rejects.toMatchObject({ data: { code: "UNAUTHORIZED" } });
    for (const access of [token, first.accessToken, racing.accessToken]) expect(await refused(access)).toMatch(/session has ended/);
    expect(await trpcRejection(anonymous.auth.refresh.mutate({ refreshToken: "rt1_" + "A".repeat(43) }))).toMatchObject({ code: "UNAUTHORIZED" });
  });

  it("revokes at once: log out, log out everywhere, password change and delete-me", async () => {
    // Log out ends this session only.
    const user = await harness.newUser();
    const second = await harness.clientFor(user.token).auth.token.mutate();
    await harness.clientFor(user.token).auth.logOut.mutate();
    expect(await refused(user.token)).toMatch(/session has ended/);
    await expect(harness.clientFor(null).auth.refresh.mutate({ refreshToken: user.refreshToken })).rejects.toMatchObject({ data: { code: "UNAUTHORIZED" } });
    await harness.clientFor(second.accessToken).session.list.query();

    // Log out everywhere ends them all.
    await harness.clientFor(second.accessToken).auth.logOutEverywhere.mutate();
    expect(await refused(second.accessToken)).toMatch(/session has ended/);
    await expect(harness.clientFor(null).auth.refresh.mutate({ refreshToken: second.refreshToken })).rejects.toMatchObject({ data: { code: "UNAUTHORIZED" } });

    // A password change ends every session, and starts a new one for the caller.
    const account = await harness.newUser();
    const signedUp = await account.client.auth.signUp.mutate({ login: `pw-${now}`, password: "correct horse battery" });
    const elsewhere = await harness.clientFor(null).auth.token.mutate({ login: `pw-${now}`, password: "correct horse battery" });
    const changed = await harness.clientFor(signedUp.tokens!.accessToken).auth.changePassword.mutate({ currentPassword: "correct horse battery", newPassword: "staple battery horse" });
    for (const access of [signedUp.tokens!.accessToken, elsewhere.accessToken]) expect(await refused(access)).toMatch(/session has ended/);
    await expect(harness.clientFor(null).auth.refresh.mutate({ refreshToken: elsewhere.refreshToken })).rejects.toMatchObject({ data: { code: "UNAUTHORIZED" } });
    expect((await harness.clientFor(changed.tokens!.accessToken).auth.me.query()).login).toBe(`pw-${now}`);

    // Delete-me: every token of the user, and the user is gone.
    const doomed = await harness.newUser();
    const other = await harness.clientFor(doomed.token).auth.token.mutate();
    await doomed.client.session.create.mutate({});
    await doomed.client.account.deleteAll.mutate({ confirm: "delete my data" });
    for (const access of [doomed.token, other.accessToken]) expect(await refused(access)).toMatch(/session has ended/);
    await expect(harness.clientFor(other.accessToken).session.create.mutate({})).rejects.toMatchObject({ data: { code: "UNAUTHORIZED" } });
    await expect(harness.clientFor(other.accessToken).message.send.mutate({ sessionId: "e_anything", content: "hi" })).rejects.toMatchObject({ data: { code: "UNAUTHORIZED" } });
    await expect(harness.clientFor(null).auth.refresh.mutate({ refreshToken: other.refreshToken })).rejects.toMatchObject({ data: { code: "UNAUTHORIZED" } });
    await expect(harness.clientFor(doomed.token).auth.token.mutate()).rejects.toMatchObject({ data: { code: "UNAUTHORIZED" } });
    expect(await harness.recall.services.users.userExists(doomed.userId)).toBe(false);
  });

  it("refuses a deleted user's tokens when retention expires the user too", async () => {
    const user = await harness.newUser();
    await user.client.session.list.query();
    await harness.recall.services.lifecycle.expireUser(user.userId);
    expect(await refused(user.token)).toMatch(/session has ended/);
    await expect(harness.clientFor(null).auth.refresh.mutate({ refreshToken: user.refreshToken })).rejects.toMatchObject({ data: { code: "UNAUTHORIZED" } });
  });

  it("exchanges an old never-expiring token once, keeping the user's chats", async () => {
    const { services } = harness.recall;
    // A user from before sessions: only a legacy `<userId>.<hmac>` token, and a chat.
    const userId = await services.users.createUser();
    const chat = await createTestCaller(services, userId).session.create({});
    const legacy = services.identity.sign(userId);

    expect(await refused(legacy)).toMatch(/old Recall token.*auth\.token/);
    const exchanged = await harness.clientFor(legacy).auth.token.mutate();
    expect(exchanged.userId).toBe(userId);
    expect((await harness.clientFor(exchanged.accessToken).session.list.query()).items.map((item) => item.id)).toEqual([chat.id]);
    // Once only.
    await expect(harness.clientFor(legacy).auth.token.mutate()).rejects.toMatchObject({ data: { code: "UNAUTHORIZED" }, message: expect.stringContaining("already exchanged") });
    now += refreshGraceMs + 1000;
    expect(await refused(legacy)).toMatch(/not valid/);

    // A browser's legacy cookie: exchanged for session cookies on its next request, and cleared.
    const browserUser = await services.users.createUser();
    const browserChat = await createTestCaller(services, browserUser).session.create({});
    const cookie = `recall_identity=${services.identity.sign(browserUser)}`;
    const response = await fetch(`${harness.url}/trpc/session.list`, { headers: { cookie } });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { result: { data: { items: Array<{ id: string }> } } };
    expect(body.result.data.items.map((item) => item.id)).toEqual([browserChat.id]);
    const setCookie = response.headers.getSetCookie();
    expect(setCookie.find((line) => line.startsWith("recall_identity="))).toMatch(/^recall_identity=; Max-Age=0; Path=\//);
    expect(setCookie.some((line) => /^recall_access=[\w-]+\./.test(line))).toBe(true);
    expect(setCookie.some((line) => /^recall_refresh=rt1_/.test(line))).toBe(true);
    now += refreshGraceMs + 1000;
    expect((await fetch(`${harness.url}/trpc/session.list`, { headers: { cookie } })).status).toBe(401);
  });
});
