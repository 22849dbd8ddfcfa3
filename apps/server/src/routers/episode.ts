import { episodeIdInput, updateEpisodeInput } from "@recall/schema";
import type { Services } from "../services.ts";
import { router, userProcedure } from "../trpc/init.ts";

export type EpisodeRouterServices = Pick<Services, "episodes">;

/** Episodes (what finished chats left behind): the user sees, corrects and forgets each one. */
export function createEpisodeRouter({ episodes }: EpisodeRouterServices) {
  return router({
    list: userProcedure.query(({ ctx }) => episodes.listForUser(ctx.userId)),
    update: userProcedure
      .input(updateEpisodeInput)
      .mutation(({ ctx, input }) => episodes.update(ctx.userId, input.episodeId, { summary: input.summary, facts: input.facts })),
    delete: userProcedure.input(episodeIdInput).mutation(async ({ ctx, input }) => {
      await episodes.remove(ctx.userId, input.episodeId);
      return { episodeId: input.episodeId };
    }),
  });
}
