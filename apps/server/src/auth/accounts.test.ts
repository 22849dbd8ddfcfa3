import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, trpcRejection, type Harness } from "../testing/harness.ts";

let harness: Harness;
let serial = 0;
beforeAll(async () => {
  harness = await startHarness({ config: { adminUsers: ["Root-Admin"] } });
});
afterAll(async () => {
  await harness?.close();
});

const fresh = (prefix: string): string => `${prefix}-${Date.now()}-${serial++}`;

describe("accounts", () => {
  it("signs up the anonymous user in place: its chats stay, and its login is normalized", async () => {
    const anonymous = await harness.newUser();
    const chat = await anonymous.client.session.create.mutate({ title: "Before signing up" });
    expect(await anonymous.client.auth.me.query()).toEqual({ userId: anonymous.userId, login: null, role: "user", kind: "anonymous" });
    const login = fresh("Ada");
    const { user, tokens } = await anonymous.client.auth.signUp.mutate({ login: `  ${login.toUpperCase()} `, password: "analytical engine" });
    expect(user).toEqual({ userId: anonymous.userId, login: login.toLowerCase(), role: "user", kind: "account" });
    // A fresh session replaces the anonymous one (no session fixation).
    await expect(anonymous.client.session.list.query()).rejects.toMatchObject({ data: { code: "UNAUTHORIZED" } });
    const signedIn = harness.clientFor(tokens!.accessToken);
    expect((await signedIn.session.list.query()).items.map((item) => item.id)).toEqual([chat.id]);

    // Logging in from anywhere reaches the same chats; the password is stored as argon2id only.
    const elsewhere = await harness.clientFor(null).auth.token.mutate({ login, password: "analytical engine" });
    expect((await harness.clientFor(elsewhere.accessToken).session.list.query()).items.map((item) => item.id)).toEqual([chat.id]);
    const row = await harness.database.prisma.user.findUniqueOrThrow({ where: { id: anonymous.userId } });
    expect(row.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(row.passwordHash).not.toContain("analytical");
  });

  it("says what is wrong: login taken, password too short, bad username, wrong password (the same for an unknown login)", async () => {
    const login = fresh("grace");
    await (await harness.newUser()).client.auth.signUp.mutate({ login, password: "cobol forever" });
    const other = (await harness.newUser()).client;
    expect(await trpcRejection(other.auth.signUp.mutate({ login: login.toUpperCase(), password: "another password" }))).toEqual({ code: "CONFLICT", message: expect.stringContaining("taken") });
    expect(await trpcRejection(other.auth.signUp.mutate({ login: fresh("short"), password: "seven77" }))).toEqual({ code: "BAD_REQUEST", message: expect.stringContaining("at least 8") });
    expect(await trpcRejection(other.auth.signUp.mutate({ login: "a b c", password: "long enough" }))).toEqual({ code: "BAD_REQUEST", message: expect.stringContaining("no spaces") });
    expect(await trpcRejection(other.auth.signUp.mutate({ login: "ab", password: "long enough" }))).toEqual({ code: "BAD_REQUEST", message: expect.stringContaining("at least 3") });

    const wrong = await trpcRejection(other.auth.logIn.mutate({ login, password: "not the password" }));
    const unknown = await trpcRejection(other.auth.logIn.mutate({ login: fresh("nobody"), password: "not the password" }));
    expect(wrong).toEqual({ code: "UNAUTHORIZED", message: "Wrong username or password." });
    expect(unknown).toEqual(wrong);
    // Signed in already: a second account needs a log out first.
    const signedIn = await harness.clientFor(null).auth.token.mutate({ login, password: "cobol forever" });
    expect(await trpcRejection(harness.clientFor(signedIn.accessToken).auth.signUp.mutate({ login: fresh("second"), password: "long enough" }))).toMatchObject({ code: "CONFLICT" });
  });

  it("changes the password only with the current one", async () => {
    const login = fresh("lin");
    const { tokens } = await (await harness.newUser()).client.auth.signUp.mutate({ login, password: "first password" });
    const client = harness.clientFor(tokens!.accessToken);
    expect(await trpcRejection(client.auth.changePassword.mutate({ currentPassword: "wrong one", newPassword: "second password" }))).toEqual({ code: "UNAUTHORIZED", message: "The current password is wrong." });
    expect(await trpcRejection(client.auth.changePassword.mutate({ currentPassword: "first password", newPassword: "short" }))).toMatchObject({ code: "BAD_REQUEST" });
    await client.auth.changePassword.mutate({ currentPassword: "first password", newPassword: "second password" });
    await expect(harness.clientFor(null).auth.logIn.mutate({ login, password: "first password" })).rejects.toMatchObject({ data: { code: "UNAUTHORIZED" } });
    await harness.clientFor(null).auth.logIn.mutate({ login, password: "second password" });
    // An anonymous user has no password to change.
    expect(await trpcRejection((await harness.newUser()).client.auth.changePassword.mutate({ currentPassword: "x", newPassword: "long enough" }))).toMatchObject({ code: "BAD_REQUEST" });
  });

  it("gives the admin role to the configured logins only (no default admin) and guards admin procedures", async () => {
    const admin = await (await harness.newUser()).client.auth.signUp.mutate({ login: "root-admin", password: "a long admin password" });
    expect(admin.user.role).toBe("admin");
    const adminClient = harness.clientFor(admin.tokens!.accessToken);
    expect((await adminClient.auth.me.query()).role).toBe("admin");
    expect((await adminClient.memory.stats.query()).cacheEnabled).toBe(true);

    const user = await (await harness.newUser()).client.auth.signUp.mutate({ login: fresh("root-admin"), password: "a long user password" });
    expect(user.user.role).toBe("user");
    expect(await trpcRejection(harness.clientFor(user.tokens!.accessToken).memory.stats.query())).toEqual({ code: "FORBIDDEN", message: "Only an administrator may do this." });
    expect(await trpcRejection((await harness.newUser()).client.memory.stats.query())).toMatchObject({ code: "FORBIDDEN" });
  });

  it("gives programs tokens for a login and password", async () => {
    const login = fresh("bot");
    await (await harness.newUser()).client.auth.signUp.mutate({ login, password: "program password" });
    const tokens = await harness.clientFor(null).auth.token.mutate({ login, password: "program password" });
    expect(tokens).toEqual({ userId: expect.any(String), accessToken: expect.any(String), refreshToken: expect.stringMatching(/^rt1_/), expiresAt: expect.any(String) });
    expect((await harness.clientFor(tokens.accessToken).auth.me.query()).login).toBe(login);
    await expect(harness.clientFor(null).auth.token.mutate({ login, password: "wrong" })).rejects.toMatchObject({ data: { code: "UNAUTHORIZED" } });
  });
});
