import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startFakeOllama, type FakeOllama } from "@recall/fake-ollama";
import { TRPCClientError } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectStream, createClient, waitFor, type RecallClient } from "../testing/harness.ts";
import { startPostgresProcess, type PostgresProcess } from "../testing/postgres-process.ts";
import { startServerProcess, type ServerProcess } from "../testing/server-process.ts";
import { databaseUnavailableMessage } from "../trpc/init.ts";

/** A request to a server whose database is down may take this long at most (refused connections fail at once). */
const failWithinMs = 3000;

/** What a call ended with, and how long it took. */
async function outcome(call: () => Promise<unknown>): Promise<{ ms: number; error: TRPCClientError<never> | null }> {
  const startedAt = performance.now();
  try {
    await call();
    return { ms: performance.now() - startedAt, error: null };
  } catch (error) {
    if (!(error instanceof TRPCClientError)) throw error;
    return { ms: performance.now() - startedAt, error: error as TRPCClientError<never> };
  }
}

describe("PostgreSQL restarted under a running Recall", () => {
  let postgres: PostgresProcess;
  let fake: FakeOllama;
  let server: ServerProcess;
  let client: RecallClient;

  beforeAll(async () => {
    // A cluster of our own: stopping the machine's shared one would break every other test.
    postgres = await startPostgresProcess();
    fake = await startFakeOllama({ tokensPerSecond: 0 });
    server = await startServerProcess({
      DATABASE_URL: postgres.url,
      OLLAMA_URL: fake.url,
      RECALL_DATA_DIR: mkdtempSync(join(tmpdir(), "recall-pg-restart-")),
      RECALL_SECRET: "postgres-restart-test-secret-of-32-characters",
      RECALL_READINESS_TIMEOUT_MS: "1000",
    });
    const { accessToken } = await createClient(server.url, null).auth.token.mutate();
    client = createClient(server.url, accessToken);
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await fake?.close();
    await postgres?.remove();
  });

  it("answers with a clear 503 while it is down, reports not ready, and serves again once it is back, with nothing lost", async () => {
    const chat = await client.session.create.mutate({});
    fake.queueScript({ text: "Saved before the outage." });
    const { assistantMessage } = await client.message.send.mutate({ sessionId: chat.id, content: "Remember this, please." });
    expect((await collectStream(client, assistantMessage.id)).final).toMatchObject({ type: "done" });

    await postgres.stop();

    for (const call of [
      () => client.session.list.query({}),
      () => client.message.list.query({ sessionId: chat.id }),
      () => client.session.create.mutate({}),
      () => client.message.send.mutate({ sessionId: chat.id, content: "Sent while the database is down." }),
    ]) {
      const { ms, error } = await outcome(call);
      expect(error, "a call succeeded with the database down").not.toBeNull();
      expect(ms).toBeLessThan(failWithinMs);
      expect(error!.data).toMatchObject({ code: "SERVICE_UNAVAILABLE", httpStatus: 503, retryAfterSeconds: 5 });
      expect(error!.message).toBe(databaseUnavailableMessage);
      // Nothing of the driver's own words: no host, port, query or source path.
      expect(JSON.stringify({ message: error!.message, data: error!.data })).not.toMatch(/127\.0\.0\.1|prisma|invocation|\.ts|postgres/i);
    }

    const notReady = await waitFor(async () => {
      const response = await fetch(`${server.url}/readyz`);
      return response.status === 503 ? ((await response.json()) as { failing: string[] }) : null;
    });
    expect(notReady.failing).toEqual(["database"]);
    // Alive all along: an orchestrator takes the instance out of rotation instead of restarting it.
    expect((await fetch(`${server.url}/livez`)).status).toBe(200);

    await postgres.start();

    // The same process: the pool drops the connections it lost and opens new ones.
    const chats = await waitFor(() => client.session.list.query({}).catch(() => null), 10_000);
    expect(chats.items.map((item) => item.id)).toEqual([chat.id]);
    const { items } = await client.message.list.query({ sessionId: chat.id });
    expect(items.map((message) => [message.role, message.content, message.status])).toEqual([
      ["user", "Remember this, please.", "complete"],
      ["assistant", "Saved before the outage.", "complete"],
    ]);
    fake.queueScript({ text: "Back again." });
    const next = await client.message.send.mutate({ sessionId: chat.id, content: "Are you there?" });
    expect((await collectStream(client, next.assistantMessage.id)).text).toBe("Back again.");
    await waitFor(async () => (await fetch(`${server.url}/readyz`)).status === 200);
  });
});
