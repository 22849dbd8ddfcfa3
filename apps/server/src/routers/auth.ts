import type { Services } from "../services.ts";
import { publicProcedure, router } from "../trpc/init.ts";

export type AuthRouterServices = Pick<Services, "users" | "identity">;

export function createAuthRouter({ users, identity }: AuthRouterServices) {
  return router({
    /**
     * Returns the caller's identity, creating an anonymous user on first visit. Browsers
     * get an HttpOnly cookie; programs use the token as `Authorization: Bearer <token>`.
     */
    ensure: publicProcedure.mutation(async ({ ctx }) => {
      let userId = ctx.userId;
      // A valid token for a user that was deleted (their data erased) starts afresh.
      if (userId && !(await users.userExists(userId))) userId = null;
      userId ??= await users.createUser();
      const token = identity.sign(userId);
      ctx.request.setIdentityCookie?.(token);
      return { userId, token };
    }),
  });
}
