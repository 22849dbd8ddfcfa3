import { deleteAllDataInput } from "@recall/schema";
import { eraseUserData } from "../account/erase-user-data.ts";
import { expiredIdentityCookie } from "../auth/identity.ts";
import { router, userProcedure } from "../trpc/init.ts";

export const accountRouter = router({
  /**
   * Erases everything Recall holds about the caller. The input must carry the exact
   * confirmation words; the identity cookie is cleared, so the next `auth.ensure`
   * starts a new, empty user.
   */
  deleteAll: userProcedure.input(deleteAllDataInput).mutation(async ({ ctx }) => {
    const deleted = await eraseUserData(ctx.services, ctx.userId);
    ctx.request.setHeader?.("set-cookie", expiredIdentityCookie(ctx.request.secure));
    return { deleted };
  }),
});
