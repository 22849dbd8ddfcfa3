import { isDatabaseUnavailable, isForeignKeyViolation } from "@recall/db";
import { initTRPC, TRPCError } from "@trpc/server";
import { ZodError, z } from "zod";
import {
  ConflictError,
  ContentBlockedError,
  DomainError,
  InvalidRequestError,
  LimitExceededError,
  NotFoundError,
  PayloadTooLargeError,
  UnauthorizedError,
} from "../domain-errors.ts";
import { DecryptionError } from "../crypto/errors/decryption-error.ts";
import type { Context } from "./context.ts";

const internalErrorMessage = "Something went wrong on the server. Try again.";
const unavailableRetrySeconds = 5;
/** The database is down or restarting: the pool reconnects by itself, so trying again is the advice. */
export const databaseUnavailableMessage = "Recall cannot reach its database right now. Nothing you saved is lost; try again in a few seconds.";

/** What every subscription stream tells the client first (also written by `chat/reply-stream-route.ts`). */
export const sseClientOptions = { reconnectAfterInactivityMs: 20_000 };

const trpc = initTRPC.context<Context>().create({
  errorFormatter({ shape, error }) {
    const zodError = error.cause instanceof ZodError ? error.cause : null;
    // An unexpected failure's own message can quote a query, a file path or a host: never sent.
    // A value that does not decrypt is a server failure too, but its message is written for a
    // person (the field and row, never the value): it says the data was altered or moved.
    const internal = error.code === "INTERNAL_SERVER_ERROR" && !(error.cause instanceof DecryptionError);
    return {
      ...shape,
      // A person reads `message`: for invalid input, the first problem in plain words.
      message: zodError ? (zodError.issues[0]?.message ?? shape.message) : internal ? internalErrorMessage : shape.message,
      data: {
        ...shape.data,
        stack: undefined,
        zodError: zodError ? z.flattenError(zodError) : null,
        /** Over a limit: when trying again can succeed (null when unknown or not a limit). */
        retryAfterSeconds:
          error.cause instanceof LimitExceededError ? error.cause.retryAfterSeconds : error.code === "SERVICE_UNAVAILABLE" ? unavailableRetrySeconds : null,
      },
    };
  },
  sse: {
    // No tRPC pings: they race every event against a timer, a real cost per token. One timer
    // pings quiet streams instead (`ops/sse-keep-alive.ts`, RECALL_SSE_KEEPALIVE_SECONDS), so
    // a client that hears nothing for 20 s has a dead connection: it reconnects and resumes
    // from its last event id.
    ping: { enabled: false },
    client: sseClientOptions,
  },
});

const codeOf = new Map<abstract new (...args: never[]) => DomainError, TRPCError["code"]>([
  [NotFoundError, "NOT_FOUND"],
  [ConflictError, "CONFLICT"],
  [InvalidRequestError, "BAD_REQUEST"],
  [LimitExceededError, "TOO_MANY_REQUESTS"],
  [PayloadTooLargeError, "PAYLOAD_TOO_LARGE"],
  [UnauthorizedError, "UNAUTHORIZED"],
  [ContentBlockedError, "UNPROCESSABLE_CONTENT"],
]);

/** The tRPC error for a domain error, its message unchanged; anything else is left as it is. */
export function toTRPCError(error: unknown): unknown {
  if (isDatabaseUnavailable(error)) return new TRPCError({ code: "SERVICE_UNAVAILABLE", message: databaseUnavailableMessage, cause: error });
  if (!(error instanceof DomainError)) return error;
  for (const [kind, code] of codeOf) {
    if (error instanceof kind) return new TRPCError({ code, message: error.message, cause: error });
  }
  return error;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value;
}

/** A subscription's errors surface while it is read, after the middleware returned: map them there. */
async function* mapIterationErrors(source: AsyncIterable<unknown>): AsyncGenerator<unknown> {
  try {
    return yield* source;
  } catch (error) {
    throw toTRPCError(error);
  }
}

/**
 * Stores and services throw domain errors (`domain-errors.ts`) and know nothing of tRPC;
 * this one middleware, under every procedure, gives each its tRPC code.
 */
const domainErrors = trpc.middleware(async ({ next, type }) => {
  const result = await next();
  if (!result.ok) {
    const mapped = toTRPCError(result.error.cause);
    if (mapped instanceof TRPCError) throw mapped;
    return result;
  }
  if (type === "subscription" && isAsyncIterable(result.data)) return { ...result, data: mapIterationErrors(result.data) };
  return result;
});

export const router = trpc.router;
export const createCallerFactory = trpc.createCallerFactory;
export const publicProcedure = trpc.procedure.use(domainErrors);

export const userProcedure = publicProcedure.use(async ({ ctx, next }) => {
  const userId = ctx.userId;
  if (!userId) {
    throw new UnauthorizedError(ctx.request.tokenProblem ?? "No identity yet: call auth.ensure (browsers, on load) or auth.token (programs) first.");
  }
  const result = await next({ ctx: { ...ctx, userId } });
  // A token still signed for a user whose data was deleted: its writes fail their foreign key. Say so, not a 500.
  if (!result.ok && isForeignKeyViolation(result.error.cause) && !(await ctx.userExists(userId))) {
    throw new UnauthorizedError("This identity's data was deleted. Reload Recall (or call auth.ensure) to start afresh.");
  }
  return result;
});

/** Admins are the logins listed in `RECALL_ADMIN_USERS`; everyone else is refused. */
export const adminProcedure = userProcedure.use(({ ctx, next }) => {
  if (ctx.session.role !== "admin") throw new TRPCError({ code: "FORBIDDEN", message: "Only an administrator may do this." });
  return next();
});
