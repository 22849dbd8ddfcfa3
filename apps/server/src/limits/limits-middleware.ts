import { isEphemeralId } from "../chat/chat-repository.ts";
import type { Context } from "../trpc/context.ts";
import type { Limits } from "./limits.ts";

/** What this middleware reads of tRPC's middleware options (any procedure's). */
interface MiddlewareOptions<Result> {
  ctx: Context;
  path: string;
  getRawInput: () => Promise<unknown>;
  next: () => Promise<Result>;
}

function field(input: unknown, name: string): unknown {
  return typeof input === "object" && input !== null ? (input as Record<string, unknown>)[name] : undefined;
}

interface AddressedRequest {
  /** Fastify's `request.ip`: `trustProxy` decides whether X-Forwarded-For counts. */
  clientAddress?: string;
}

/** Adds the client's address to a request's context (`app.ts`), for the per-address limits. */
export function withClientAddress<C extends { request: object }>(context: C, address: string): C {
  (context.request as AddressedRequest).clientAddress = address;
  return context;
}

/** The client's address; calls without one (createCaller in tests) share "unknown". */
export function clientAddress(ctx: Context): string {
  return (ctx.request as AddressedRequest).clientAddress ?? "unknown";
}

/**
 * The one tRPC middleware of the limits, on every procedure a limit covers (`.use(limited)`);
 * it picks the checks by the procedure's path. It runs before input validation, so malformed
 * calls count against the rates too. Logins (`auth.logIn`, `auth.token` with a login) count per
 * address and login name; `Limits.checkLoginAttempt` is there for any other login path.
 */
export function createLimitsMiddleware(limits: Limits) {
  return async function limited<Result>({ ctx, path, getRawInput, next }: MiddlewareOptions<Result>): Promise<Result> {
    const userId = ctx.userId;
    switch (path) {
      case "message.send":
      case "message.regenerate": {
        if (!userId) return next();
        const input = await getRawInput();
        const content = field(input, "content");
        const sessionId = field(input, "sessionId");
        const stored = !(typeof sessionId === "string" && isEphemeralId(sessionId));
        await limits.checkMessage(userId, typeof content === "string" ? content.length : 0, stored);
        const reservation = await limits.reserveGeneration(userId);
        try {
          return await next();
        } finally {
          reservation.release();
        }
      }
      case "session.create": {
        if (userId) await limits.checkNewChat(userId, field(await getRawInput(), "ephemeral") === true);
        return next();
      }
      case "auth.ensure":
      case "auth.signUp":
      case "auth.token": {
        const input = await getRawInput();
        const login = field(input, "login");
        if (path === "auth.token" && typeof login === "string") {
          await limits.checkLoginAttempt(clientAddress(ctx), login);
        } else if (!userId || !(await ctx.userExists(userId))) {
          // Only a call that may create a user counts: a known identity just gets its session again.
          await limits.checkNewUser(clientAddress(ctx));
        }
        return next();
      }
      case "auth.logIn":
      case "auth.login": {
        const login = field(await getRawInput(), "login");
        await limits.checkLoginAttempt(clientAddress(ctx), typeof login === "string" ? login : "");
        return next();
      }
      default:
        return next();
    }
  };
}
