import { initTRPC, TRPCError } from "@trpc/server";
import { ZodError, z } from "zod";
import type { Context } from "./context.ts";

const trpc = initTRPC.context<Context>().create({
  errorFormatter({ shape, error }) {
    const zodError = error.cause instanceof ZodError ? error.cause : null;
    return {
      ...shape,
      // A person reads `message`: for invalid input, the first problem in plain words.
      message: zodError ? (zodError.issues[0]?.message ?? shape.message) : shape.message,
      data: { ...shape.data, stack: undefined, zodError: zodError ? z.flattenError(zodError) : null },
    };
  },
  sse: {
    // No pings: tRPC races every event against a ping timer, a real cost per token.
    // A client that hears nothing for 20 s (a model still loading) reconnects and
    // resumes from its last event id instead.
    ping: { enabled: false },
    client: { reconnectAfterInactivityMs: 20_000 },
  },
});

export const router = trpc.router;
export const createCallerFactory = trpc.createCallerFactory;
export const publicProcedure = trpc.procedure;

/** Prisma's foreign-key failure, the same code on SQLite and PostgreSQL. */
function isForeignKeyViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "P2003";
}

export const userProcedure = trpc.procedure.use(async ({ ctx, next }) => {
  const userId = ctx.userId;
  if (!userId) {
    throw new TRPCError({ code: "UNAUTHORIZED", message: "No identity yet: call auth.ensure first (the web app does this on load)." });
  }
  const result = await next({ ctx: { ...ctx, userId } });
  // A token still signed for a user whose data was deleted: its writes fail their foreign key. Say so, not a 500.
  if (!result.ok && isForeignKeyViolation(result.error.cause) && !(await ctx.services.store.userExists(userId))) {
    throw new TRPCError({ code: "UNAUTHORIZED", message: "This identity's data was deleted. Reload Recall (or call auth.ensure) to start afresh." });
  }
  return result;
});
