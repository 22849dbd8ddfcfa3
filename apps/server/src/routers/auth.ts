import { z } from "zod";
import type { IssuedTokens } from "../auth/auth-service.ts";
import { UnauthorizedError } from "../domain-errors.ts";
import type { Services } from "../services.ts";
import type { Context } from "../trpc/context.ts";
import { createLimitsMiddleware } from "../limits/limits-middleware.ts";
import { publicProcedure, router, userProcedure } from "../trpc/init.ts";

export type AuthRouterServices = Pick<Services, "users" | "auth" | "limits">;

const credentialsInput = z.object({
  login: z.string().max(300, "That username is too long."),
  password: z.string().max(1024, "That password is too long."),
});

export function createAuthRouter({ users, auth, limits }: AuthRouterServices) {
  // New users per address, and login attempts per address and login (`limits/`).
  const limitedProcedure = publicProcedure.use(createLimitsMiddleware(limits));
  const describe = (userId: string, login: string | null) => ({ userId, login, role: auth.roleOf(login), kind: login ? ("account" as const) : ("anonymous" as const) });

  /**
   * A new session for `userId` in place of the caller's current one. Browsers get it as
   * cookies; a program (bearer) gets the tokens in the answer.
   */
  async function startSession(ctx: Context, userId: string, login: string | null) {
    if (ctx.session.sessionId) await auth.revokeSession(ctx.session.sessionId, "sign-in");
    const issued = await auth.issue(userId);
    const browser = ctx.request.via !== "bearer";
    if (browser) ctx.request.setSessionCookies?.(issued);
    const tokens: IssuedTokens | null = browser ? null : { accessToken: issued.accessToken, refreshToken: issued.refreshToken, expiresAt: issued.expiresAt };
    return { user: describe(userId, login), tokens };
  }

  return router({
    /**
     * Browsers, on load: the caller's identity, creating an anonymous user (and its session
     * cookies) on the first visit. Programs use `auth.token`.
     */
    ensure: limitedProcedure.mutation(async ({ ctx }) => {
      if (ctx.userId && (await users.userExists(ctx.userId))) return describe(ctx.userId, ctx.session.login);
      if (ctx.request.via === "bearer") throw new UnauthorizedError(ctx.request.tokenProblem ?? "Call auth.token for a token.");
      const userId = await users.createUser();
      return (await startSession(ctx, userId, null)).user;
    }),

    /** Who the caller is: anonymous or an account, and its role. */
    me: userProcedure.query(({ ctx }) => describe(ctx.userId, ctx.session.login)),

    /**
     * Programs: `{ accessToken, refreshToken, expiresAt }` for `Authorization: Bearer`. With a
     * login and password, that account's; else the caller's own identity (an old
     * `<userId>.<hmac>` token is exchanged here, once); else a new anonymous user.
     */
    token: limitedProcedure.input(credentialsInput.partial().optional()).mutation(async ({ ctx, input }): Promise<IssuedTokens & { userId: string }> => {
      let userId: string;
      if (input?.login !== undefined || input?.password !== undefined) {
        userId = await auth.logIn(input.login ?? "", input.password ?? "");
      } else if (ctx.userId) {
        userId = ctx.userId;
      } else if (ctx.request.legacyUserId) {
        const exchanged = await auth.exchangeLegacy(ctx.request.legacyUserId);
        if (!exchanged) throw new UnauthorizedError("This old token was already exchanged. Use the tokens you got then.");
        return { userId: ctx.request.legacyUserId, accessToken: exchanged.accessToken, refreshToken: exchanged.refreshToken, expiresAt: exchanged.expiresAt };
      } else if (ctx.request.tokenProblem) {
        throw new UnauthorizedError(ctx.request.tokenProblem);
      } else {
        userId = await users.createUser();
      }
      const issued = await auth.issue(userId);
      return { userId, accessToken: issued.accessToken, refreshToken: issued.refreshToken, expiresAt: issued.expiresAt };
    }),

    /**
     * Programs: a new access token and a new refresh token for the refresh token (which is
     * spent). Presented again within a few seconds (a concurrent refresh): a new access token
     * and `refreshToken: null` (keep the one the other call got); later, it is taken as
     * stolen and the whole session ends.
     */
    refresh: publicProcedure.input(z.object({ refreshToken: z.string().max(200) })).mutation(async ({ input }) => {
      const outcome = await auth.refresh(input.refreshToken);
      if (outcome.kind === "rotated") return { ...outcome.tokens, userId: outcome.identity.userId };
      if (outcome.kind === "grace") return { accessToken: outcome.accessToken, refreshToken: null, expiresAt: outcome.expiresAt, userId: outcome.identity.userId };
      throw new UnauthorizedError(
        outcome.kind === "reuse" ? "This refresh token was already used, so its session has ended. Log in again." : "This refresh token is not valid any more. Log in again.",
      );
    }),

    /** An account for the caller: an anonymous caller keeps its chats (the same user becomes the account). */
    signUp: limitedProcedure.input(credentialsInput).mutation(async ({ ctx, input }) => {
      const userId = await auth.signUp(ctx.userId, input.login, input.password);
      const account = await auth.describeAccount(userId);
      return startSession(ctx, userId, account);
    }),

    logIn: limitedProcedure.input(credentialsInput).mutation(async ({ ctx, input }) => {
      const userId = await auth.logIn(input.login, input.password);
      return startSession(ctx, userId, await auth.describeAccount(userId));
    }),

    /** Ends this session (its tokens stop working at once) and clears the cookies. */
    logOut: publicProcedure.mutation(async ({ ctx }) => {
      if (ctx.session.sessionId) await auth.revokeSession(ctx.session.sessionId, "logout");
      ctx.request.setSessionCookies?.(null);
      return { loggedOut: true };
    }),

    /** Ends every session of the caller, on every device and program. */
    logOutEverywhere: userProcedure.mutation(async ({ ctx }) => {
      await auth.revokeUser(ctx.userId, "logout-everywhere");
      ctx.request.setSessionCookies?.(null);
      return { loggedOut: true };
    }),

    /** Needs the current password; ends every session, then starts a new one for the caller. */
    changePassword: userProcedure
      .input(z.object({ currentPassword: z.string().max(1024), newPassword: z.string().max(1024, "That password is too long.") }))
      .mutation(async ({ ctx, input }) => {
        await auth.changePassword(ctx.userId, input.currentPassword, input.newPassword, null);
        return startSession({ ...ctx, session: { ...ctx.session, sessionId: null } }, ctx.userId, ctx.session.login);
      }),
  });
}
