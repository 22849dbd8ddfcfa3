import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import { authRouter } from "./routers/auth.ts";
import { memoryRouter } from "./routers/memory.ts";
import { messageRouter } from "./routers/message.ts";
import { profileRouter } from "./routers/profile.ts";
import { sessionRouter } from "./routers/session.ts";
import { modelsRouter, systemRouter } from "./routers/system.ts";
import { router } from "./trpc/init.ts";

export const appRouter = router({
  auth: authRouter,
  health: systemRouter.health,
  models: modelsRouter,
  session: sessionRouter,
  message: messageRouter,
  profile: profileRouter,
  memory: memoryRouter,
});

export type AppRouter = typeof appRouter;
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
