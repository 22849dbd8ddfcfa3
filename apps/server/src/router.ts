import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import { accountRouter } from "./routers/account.ts";
import { authRouter } from "./routers/auth.ts";
import { episodeRouter } from "./routers/episode.ts";
import { exportRouter } from "./routers/export.ts";
import { memoryRouter } from "./routers/memory.ts";
import { messageRouter } from "./routers/message.ts";
import { profileRouter } from "./routers/profile.ts";
import { sessionRouter } from "./routers/session.ts";
import { modelsRouter, systemRouter } from "./routers/system.ts";
import { router } from "./trpc/init.ts";

export const appRouter = router({
  auth: authRouter,
  health: systemRouter.health,
  settings: systemRouter.settings,
  models: modelsRouter,
  session: sessionRouter,
  message: messageRouter,
  profile: profileRouter,
  memory: memoryRouter,
  episode: episodeRouter,
  export: exportRouter,
  account: accountRouter,
});

export type AppRouter = typeof appRouter;
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
