import { addProfileFactInput, profileFactIdInput, updateProfileFactInput } from "@recall/schema";
import type { Services } from "../services.ts";
import { router, userProcedure } from "../trpc/init.ts";

export type ProfileRouterServices = Pick<Services, "profiles">;

/** "What Recall remembers about me": every fact can be seen, corrected and forgotten. */
export function createProfileRouter({ profiles }: ProfileRouterServices) {
  return router({
    list: userProcedure.query(({ ctx }) => profiles.list(ctx.userId)),
    add: userProcedure.input(addProfileFactInput).mutation(({ ctx, input }) => profiles.add(ctx.userId, input.kind, input.value)),
    update: userProcedure.input(updateProfileFactInput).mutation(({ ctx, input }) => profiles.update(ctx.userId, input.factId, input.value)),
    delete: userProcedure.input(profileFactIdInput).mutation(async ({ ctx, input }) => {
      await profiles.remove(ctx.userId, input.factId);
      return { factId: input.factId };
    }),
  });
}
