import { addProfileFactInput, profileFactIdInput, updateProfileFactInput } from "@recall/schema";
import { router, userProcedure } from "../trpc/init.ts";

/** "What Recall remembers about me": every fact can be seen, corrected and forgotten. */
export const profileRouter = router({
  list: userProcedure.query(({ ctx }) => ctx.services.profiles.list(ctx.userId)),
  add: userProcedure.input(addProfileFactInput).mutation(({ ctx, input }) => ctx.services.profiles.add(ctx.userId, input.kind, input.value)),
  update: userProcedure.input(updateProfileFactInput).mutation(({ ctx, input }) => ctx.services.profiles.update(ctx.userId, input.factId, input.value)),
  delete: userProcedure.input(profileFactIdInput).mutation(async ({ ctx, input }) => {
    await ctx.services.profiles.remove(ctx.userId, input.factId);
    return { factId: input.factId };
  }),
});
