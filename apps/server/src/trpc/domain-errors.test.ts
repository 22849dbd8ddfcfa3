import { createTRPCClient, httpLink, httpSubscriptionLink, splitLink, TRPCClientError } from "@trpc/client";
import { fastifyTRPCPlugin } from "@trpc/server/adapters/fastify";
import { EventSource } from "eventsource";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  ConflictError,
  InvalidRequestError,
  LimitExceededError,
  NotFoundError,
  PayloadTooLargeError,
  UnauthorizedError,
  type DomainError,
} from "../domain-errors.ts";
import { createContextInner } from "./context.ts";
import { publicProcedure, router, userProcedure } from "./init.ts";

const thrown = {
  notFound: () => new NotFoundError("That chat does not exist or is not yours."),
  conflict: () => new ConflictError("A reply is still being written in this chat."),
  invalid: () => new InvalidRequestError("Only an assistant reply can be regenerated."),
  limit: () => new LimitExceededError("Too many messages at once. Wait a moment.", 7),
  limitUnknown: () => new LimitExceededError("Too many chats."),
  tooLarge: () => new PayloadTooLargeError("A message holds at most 32,000 characters."),
  unauthorized: () => new UnauthorizedError("No identity yet."),
} satisfies Record<string, () => DomainError>;

/** A router on the real procedures: each call throws the named domain error, as a store would. */
const testRouter = router({
  fail: publicProcedure.input(z.object({ kind: z.enum(Object.keys(thrown) as [keyof typeof thrown]) })).query(({ input }) => {
    throw thrown[input.kind]();
  }),
  failAsUser: userProcedure.mutation(() => {
    throw new NotFoundError("That message does not exist or is not yours.");
  }),
  crash: publicProcedure.query(() => {
    throw new Error("a bug, with details nobody should see");
  }),
  stream: publicProcedure.input(z.object({ found: z.boolean() })).subscription(async function* ({ input }) {
    if (!input.found) throw new NotFoundError("That message does not exist or is not yours.");
    yield "first";
  }),
});

let app: FastifyInstance;
let client: ReturnType<typeof createTRPCClient<typeof testRouter>>;
beforeAll(async () => {
  app = Fastify();
  await app.register(fastifyTRPCPlugin, {
    prefix: "/trpc",
    trpcOptions: { router: testRouter, createContext: () => createContextInner({ userExists: async () => true }, "user-1") },
  });
  const url = `${await app.listen({ host: "127.0.0.1", port: 0 })}/trpc`;
  client = createTRPCClient<typeof testRouter>({
    links: [splitLink({ condition: (operation) => operation.type === "subscription", true: httpSubscriptionLink({ url, EventSource }), false: httpLink({ url }) })],
  });
});
afterAll(async () => {
  await app?.close();
});

async function rejection(call: Promise<unknown>) {
  const error = await call.then(
    () => null,
    (caught: unknown) => caught,
  );
  if (!(error instanceof TRPCClientError)) throw new Error(`Expected a tRPC error, got ${String(error)}`);
  const data = error.data as { code: string; httpStatus: number; retryAfterSeconds: number | null; stack?: string };
  return { code: data.code, httpStatus: data.httpStatus, message: error.message, retryAfterSeconds: data.retryAfterSeconds, stack: data.stack };
}

describe("domain errors over HTTP", () => {
  it.each([
    ["notFound", "NOT_FOUND", 404],
    ["conflict", "CONFLICT", 409],
    ["invalid", "BAD_REQUEST", 400],
    ["limit", "TOO_MANY_REQUESTS", 429],
    ["tooLarge", "PAYLOAD_TOO_LARGE", 413],
    ["unauthorized", "UNAUTHORIZED", 401],
  ] as const)("%s becomes %s (HTTP %i) with its message unchanged", async (kind, code, httpStatus) => {
    const failure = await rejection(client.fail.query({ kind }));
    expect(failure).toMatchObject({ code, httpStatus, message: thrown[kind]().message });
    expect(failure.stack).toBeUndefined();
  });

  it("tells the client when to retry after a limit, and null when that is unknown or not a limit", async () => {
    expect((await rejection(client.fail.query({ kind: "limit" }))).retryAfterSeconds).toBe(7);
    expect((await rejection(client.fail.query({ kind: "limitUnknown" }))).retryAfterSeconds).toBeNull();
    expect((await rejection(client.fail.query({ kind: "notFound" }))).retryAfterSeconds).toBeNull();
  });

  it("maps errors behind the user middleware, and in a subscription while it is read", async () => {
    expect(await rejection(client.failAsUser.mutate())).toMatchObject({ code: "NOT_FOUND", message: "That message does not exist or is not yours." });
    const streamed = await new Promise<unknown>((resolve, reject) => {
      // Unmapped, the client takes the error for a broken connection and retries instead.
      const timer = setTimeout(() => reject(new Error("the subscription's error never reached the client")), 5000);
      const subscription = client.stream.subscribe(
        { found: false },
        {
          onError: (error) => {
            clearTimeout(timer);
            subscription.unsubscribe();
            resolve(error);
          },
        },
      );
    });
    expect(await rejection(Promise.reject(streamed))).toMatchObject({ code: "NOT_FOUND", message: "That message does not exist or is not yours." });
  });

  it("leaves any other error a 500 that quotes nothing of it", async () => {
    expect(await rejection(client.crash.query())).toMatchObject({
      code: "INTERNAL_SERVER_ERROR",
      httpStatus: 500,
      message: "Something went wrong on the server. Try again.",
    });
  });
});
