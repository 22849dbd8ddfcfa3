import { createTRPCUntypedClient, httpLink, httpSubscriptionLink, splitLink, TRPCClientError } from "@trpc/client";
import { EventSource } from "eventsource";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppRouter } from "../router.ts";
import { startHarness, type Harness } from "../testing/harness.ts";
import { defaultLimitSettings } from "./limit-settings.ts";

let harness: Harness;
beforeAll(async () => {
  // The real limits, so their middleware is fuzzed too (new users per address off: each case makes one).
  harness = await startHarness({ config: { limits: { ...defaultLimitSettings, usersPerAddress: { max: 0, windowMs: 3_600_000 } } } });
});
afterAll(async () => {
  await harness?.close();
});

function untypedClient(token: string) {
  const headers = { authorization: `Bearer ${token}` };
  return createTRPCUntypedClient({
    links: [
      splitLink({
        condition: (operation) => operation.type === "subscription",
        true: httpSubscriptionLink({
          url: `${harness.url}/trpc`,
          EventSource,
          eventSourceOptions: { fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, ...headers } }) },
        }),
        false: httpLink({ url: `${harness.url}/trpc`, headers }),
      }),
    ],
  });
}

/** The HTTP status a call ended with: 200 when it succeeded, else the error's. */
async function statusOf(call: () => Promise<unknown>): Promise<number> {
  try {
    await call();
    return 200;
  } catch (error) {
    if (!(error instanceof TRPCClientError)) throw error;
    const status = (error.data as { httpStatus?: number } | undefined)?.httpStatus;
    if (typeof status !== "number") throw new Error(`no tRPC error shape: ${error.message}`);
    return status;
  }
}

/** A subscription's first error status, or 200 once it is open (or ends) without one. */
function subscriptionStatus(client: ReturnType<typeof untypedClient>, path: string, input: unknown): Promise<number> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      subscription.unsubscribe();
      resolve(200);
    }, 300);
    const subscription = client.subscription(path, input, {
      onData: () => undefined,
      onComplete: () => {
        clearTimeout(timer);
        resolve(200);
      },
      onError: (error) => {
        clearTimeout(timer);
        subscription.unsubscribe();
        resolve((error.data as { httpStatus?: number } | undefined)?.httpStatus ?? 0);
      },
    });
  });
}

const keys = ["sessionId", "messageId", "content", "query", "limit", "cursor", "title", "model", "parentId", "ephemeral", "lastEventId", "login", "password", "id", "kind", "value", "summary", "facts", "format", "days", "refreshToken"];
const inputs = fc.oneof(
  fc.jsonValue(),
  fc.dictionary(fc.constantFrom(...keys), fc.oneof(fc.jsonValue(), fc.string(), fc.constantFrom("e_", "", "x".repeat(70)))),
  fc.constant(undefined),
);

describe("fuzzing every procedure's input", () => {
  it("arbitrary JSON to every procedure gets a 2xx or a 4xx, never a 500", async () => {
    const procedures = Object.entries(createAppRouter(harness.recall.services)._def.procedures as unknown as Record<string, { _def: { type: string } }>);
    expect(procedures.length).toBeGreaterThan(20);
    const failures: string[] = [];
    const seen = new Map<number, number>();
    for (const [path, procedure] of procedures) {
      const { token } = await harness.newUser();
      const client = untypedClient(token);
      await fc.assert(
        fc.asyncProperty(inputs, async (input) => {
          const type = procedure._def.type;
          const status =
            type === "query"
              ? await statusOf(() => client.query(path, input))
              : type === "mutation"
                ? await statusOf(() => client.mutation(path, input))
                : await subscriptionStatus(client, path, input);
          seen.set(status, (seen.get(status) ?? 0) + 1);
          if (status >= 500 || status === 0) failures.push(`${path} ${JSON.stringify(input)?.slice(0, 200)} → ${status}`);
          return true;
        }),
        { numRuns: 25 },
      );
    }
    expect(failures).toEqual([]);
    // The inputs reach validation and past it.
    expect(seen.get(400)).toBeGreaterThan(0);
    expect(seen.get(200)).toBeGreaterThan(0);
  }, 300_000);
});
