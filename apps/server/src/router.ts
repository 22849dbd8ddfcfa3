import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import { createAccountRouter } from "./routers/account.ts";
import { createAdminRouter } from "./routers/admin.ts";
import { createAuthRouter } from "./routers/auth.ts";
import { createDocumentRouter } from "./routers/document.ts";
import { createEpisodeRouter } from "./routers/episode.ts";
import { createExportRouter } from "./routers/export.ts";
import { createMemoryRouter } from "./routers/memory.ts";
import { createMessageRouter } from "./routers/message.ts";
import { createProfileRouter } from "./routers/profile.ts";
import { createSessionRouter } from "./routers/session.ts";
import { createModelsRouter, createSystemRouter } from "./routers/system.ts";
import type { Services } from "./services.ts";
import { router } from "./trpc/init.ts";

/**
 * Each router is built from the services it uses (its factory takes a `Pick` of Services),
 * so a procedure can reach nothing its router was not handed, and the context carries only
 * request facts. The procedures' types do not depend on the services' values, so
 * `AppRouter` stays a static type the web app imports without the server.
 */
export function createAppRouter(services: Services) {
  const system = createSystemRouter(services);
  return router({
    auth: createAuthRouter(services),
    health: system.health,
    settings: system.settings,
    models: createModelsRouter(services),
    session: createSessionRouter(services),
    message: createMessageRouter(services),
    profile: createProfileRouter(services),
    memory: createMemoryRouter(services),
    episode: createEpisodeRouter(services),
    document: createDocumentRouter(services),
    export: createExportRouter(services),
    account: createAccountRouter(services),
    admin: createAdminRouter(services),
  });
}

export type AppRouter = ReturnType<typeof createAppRouter>;
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
