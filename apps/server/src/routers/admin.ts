import { z } from "zod";
import type { Services } from "../services.ts";
import { adminProcedure, router } from "../trpc/init.ts";

export type AdminRouterServices = Pick<Services, "adminDashboard">;

/** For operators (`RECALL_ADMIN_USERS`): counts only, never an id or anything anyone wrote. */
export function createAdminRouter({ adminDashboard }: AdminRouterServices) {
  return router({
    /** Users, chats, messages and tokens per day and model over the last `days`, and this instance's counters. */
    stats: adminProcedure.input(z.object({ days: z.number().int().min(1).max(366).default(30) }).default({ days: 30 })).query(({ input }) => adminDashboard.stats(input.days)),
  });
}
