import { deleteAllDataInput } from "@recall/schema";
import type { Services } from "../services.ts";
import { router, userProcedure } from "../trpc/init.ts";

export type AccountRouterServices = Pick<Services, "lifecycle">;

export function createAccountRouter({ lifecycle }: AccountRouterServices) {
  return router({
    /**
     * Erases everything Recall holds about the caller. The input must carry the exact
     * confirmation words; every session of the user ends (the lifecycle revokes them first)
     * and the cookies are cleared, so the next `auth.ensure` starts a new, empty user.
     */
    deleteAll: userProcedure.input(deleteAllDataInput).mutation(async ({ ctx }) => {
      const deleted = await lifecycle.eraseUser(ctx.userId);
      ctx.request.setSessionCookies?.(null);
      return { deleted };
    }),
  });
}
