import { episodeIdInput, updateEpisodeInput } from "@recall/schema";
import { router, userProcedure } from "../trpc/init.ts";

/** Episodes (what finished chats left behind): the user sees, corrects and forgets each one. */
export const episodeRouter = router({
  list: userProcedure.query(({ ctx }) => ctx.services.episodes.listForUser(ctx.userId)),
  update: userProcedure
    .input(updateEpisodeInput)
    .mutation(({ ctx, input }) => ctx.services.episodes.update(ctx.userId, input.episodeId, { summary: input.summary, facts: input.facts })),
  delete: userProcedure.input(episodeIdInput).mutation(async ({ ctx, input }) => {
    await ctx.services.episodes.remove(ctx.userId, input.episodeId);
    return { episodeId: input.episodeId };
  }),
});
