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

export const userProcedure = trpc.procedure.use(({ ctx, next }) => {
  if (!ctx.userId) {
    throw new TRPCError({ code: "UNAUTHORIZED", message: "No identity yet: call auth.ensure first (the web app does this on load)." });
  }
  return next({ ctx: { ...ctx, userId: ctx.userId } });
});
