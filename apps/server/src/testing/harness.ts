import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, type TestDatabase } from "@recall/db/testing";
import { startFakeOllama, type FakeOllama, type FakeOllamaOptions } from "@recall/fake-ollama";
import { limits, type StreamEvent } from "@recall/schema";
import { createTRPCClient, httpBatchLink, httpLink, httpSubscriptionLink, isNonJsonSerializable, splitLink, TRPCClientError, type TRPCClient } from "@trpc/client";
import { EventSource } from "eventsource";
import { createRecall, type Recall, type RecallOptions } from "../create-recall.ts";
import { loadConfig, type RecallConfig } from "../env.ts";
import { relaxedLimitSettings } from "../limits/limit-settings.ts";
import type { AppRouter } from "../router.ts";

export type RecallClient = TRPCClient<AppRouter>;

export interface Harness {
  recall: Recall;
  fake: FakeOllama;
  database: TestDatabase;
  url: string;
  config: RecallConfig;
  /** A client with a fresh anonymous identity: `token` is its access token (15 min on the server's clock). */
  newUser(): Promise<{ client: RecallClient; token: string; refreshToken: string; userId: string }>;
  clientFor(token: string | null): RecallClient;
  close(): Promise<void>;
}

export function testConfig(overrides: Partial<RecallConfig> = {}): RecallConfig {
  return loadConfig(
    { LOG_LEVEL: "silent", RECALL_DATA_DIR: mkdtempSync(join(tmpdir(), "recall-data-")) },
    // Limits off but for the tests of the limits, which set their own.
    { checkpointMs: 50, secret: "test-secret-that-is-at-least-32-characters", limits: relaxedLimitSettings, ...overrides },
  );
}

/** Recall over real HTTP on port 0, a real database (SQLite, or PostgreSQL by env) and the fake Ollama. */
export async function startHarness(
  options: { fake?: FakeOllamaOptions; config?: Partial<RecallConfig>; database?: TestDatabase; recall?: RecallOptions } = {},
): Promise<Harness> {
  const fake = await startFakeOllama(options.fake ?? {});
  const database = options.database ?? (await createTestDatabase());
  const config = testConfig({ databaseUrl: database.url, ollamaUrl: fake.url, ...options.config });
  const recall = await createRecall(config, options.recall);
  const address = await recall.app.listen({ host: "127.0.0.1", port: 0 });
  const clientFor = (token: string | null): RecallClient => createClient(address, token);
  return {
    recall,
    fake,
    database,
    url: address,
    config,
    clientFor,
    async newUser() {
      const anonymous = clientFor(null);
      const { accessToken, refreshToken, userId } = await anonymous.auth.token.mutate();
      return { client: clientFor(accessToken), token: accessToken, refreshToken, userId };
    },
    async close() {
      await recall.close();
      await fake.close();
      if (!options.database) await database.close();
    },
  };
}

/**
 * The real tRPC client with a bearer identity. `batch: false` sends each call on its own
 * request, as separate browsers would (the benchmarks' load).
 */
export function createClient(baseUrl: string, token: string | null, options: { batch?: boolean } = {}): RecallClient {
  const headers = token ? { authorization: `Bearer ${token}` } : undefined;
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (operation) => operation.type === "subscription",
        true: httpSubscriptionLink({
          url: `${baseUrl}/trpc`,
          EventSource,
          eventSourceOptions: {
            fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, ...headers } }),
          },
        }),
        false: splitLink({
          // A file (document.upload) goes as multipart form data on a request of its own.
          condition: (operation) => isNonJsonSerializable(operation.input),
          true: httpLink({ url: `${baseUrl}/trpc`, headers }),
          false: options.batch === false ? httpLink({ url: `${baseUrl}/trpc`, headers }) : httpBatchLink({ url: `${baseUrl}/trpc`, headers, maxURLLength: 2000, maxItems: limits.batchMaxCalls }),
        }),
      }),
    ],
  });
}

export interface CollectedStream {
  events: Array<{ id: string; event: StreamEvent }>;
  text: string;
  final: StreamEvent | undefined;
}

/**
 * Subscribes to a reply and resolves when a final event arrives (or `until` says stop,
 * after which the subscription is closed, as a client going away would).
 */
export function collectStream(
  client: RecallClient,
  messageId: string,
  options: { lastEventId?: string; until?: (collected: CollectedStream) => boolean; timeoutMs?: number } = {},
): Promise<CollectedStream> {
  const collected: CollectedStream = { events: [], text: "", final: undefined };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      subscription.unsubscribe();
      reject(new Error(`stream of ${messageId} did not finish in time; got ${collected.events.length} events`));
    }, options.timeoutMs ?? 10_000);
    const finish = (): void => {
      clearTimeout(timer);
      subscription.unsubscribe();
      resolve(collected);
    };
    const subscription = client.message.stream.subscribe(
      { messageId, ...(options.lastEventId ? { lastEventId: options.lastEventId } : {}) },
      {
        onData(envelope) {
          const event = envelope.data;
          collected.events.push({ id: envelope.id, event });
          if (event.type === "delta") collected.text += event.text;
          if (event.type === "snapshot") collected.text = event.content;
          if (event.type === "done" || event.type === "error" || event.type === "interrupted" || (event.type === "snapshot" && event.status !== "streaming")) {
            collected.final = event;
            finish();
            return;
          }
          if (options.until?.(collected)) finish();
        },
        onError(error) {
          clearTimeout(timer);
          reject(error);
        },
      },
    );
  });
}

export async function waitFor<T>(check: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** How a call failed: its tRPC code and the message a person reads. Throws if it did not fail with a tRPC error. */
export async function trpcRejection(call: Promise<unknown>): Promise<{ code: string | undefined; message: string }> {
  const outcome = await call.then(
    () => ({ failed: false as const }),
    (error: unknown) => ({ failed: true as const, error }),
  );
  if (!outcome.failed) throw new Error("The call succeeded; a tRPC error was expected.");
  if (!(outcome.error instanceof TRPCClientError)) throw new Error(`Expected a tRPC error, got ${String(outcome.error)}`);
  return { code: (outcome.error.data as { code?: string } | undefined)?.code, message: outcome.error.message };
}
