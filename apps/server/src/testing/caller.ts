import { createAppRouter } from "../router.ts";
import type { Services } from "../services.ts";
import { createContextInner, type RequestInfo } from "../trpc/context.ts";
import { createCallerFactory } from "../trpc/init.ts";

/** Procedures called in process, without HTTP: the same router, built from the same services, for this user. */
export function createTestCaller(services: Services, userId: string | null, request?: RequestInfo) {
  return createCallerFactory(createAppRouter(services))(createContextInner(services.users, userId, request));
}
