import { identityCookie } from "../auth/identity.ts";
import { publicProcedure, router } from "../trpc/init.ts";

export const authRouter = router({
  /**
   * Returns the caller's identity, creating an anonymous user on first visit. Browsers
   * get an HttpOnly cookie; programs use the token as `Authorization: Bearer <token>`.
   */
  ensure: publicProcedure.mutation(async ({ ctx }) => {
    const { store, identity } = ctx.services;
    let userId = ctx.userId;
    // A valid token for a user that was deleted (their data erased) starts afresh.
    if (userId && !(await store.userExists(userId))) userId = null;
    userId ??= await store.createUser();
    const token = identity.sign(userId);
    ctx.request.setHeader?.("set-cookie", identityCookie(token, ctx.request.secure));
    return { userId, token };
  }),
});
