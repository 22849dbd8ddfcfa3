import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, type TestDatabase } from "@recall/db/testing";
import { startFakeOllama, type FakeOllama } from "@recall/fake-ollama";
import { afterEach, describe, expect, it } from "vitest";
import { collectStream, createClient, waitFor } from "./testing/harness.ts";
import { startServerProcess } from "./testing/server-process.ts";

let cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

describe("a server killed mid-stream", () => {
  it("restarts with the reply interrupted, its checkpointed text and the user's message intact", async () => {
    const fake: FakeOllama = await startFakeOllama();
    const database: TestDatabase = await createTestDatabase();
    cleanups.push(() => fake.close(), () => database.close());
    const environment = {
      DATABASE_URL: database.url,
      OLLAMA_URL: fake.url,
      RECALL_DATA_DIR: mkdtempSync(join(tmpdir(), "recall-crash-")),
      RECALL_CHECKPOINT_MS: "50",
    };

    const first = await startServerProcess(environment);
    cleanups.push(() => void first.child.kill("SIGKILL"));
    const anonymous = createClient(first.url, null);
    const { accessToken: token } = await anonymous.auth.token.mutate();
    const client = createClient(first.url, token);
    const session = await client.session.create.mutate({});
    fake.queueScript({ tokens: Array.from({ length: 400 }, (_, index) => ` t${index}`), tokensPerSecond: 100 });
    const { userMessage, assistantMessage } = await client.message.send.mutate({ sessionId: session.id, content: "Please do not lose me." });
    const seen = await collectStream(client, assistantMessage.id, { until: (collected) => collected.text.length > 40 });
    // Let at least one checkpoint land, then crash without any chance to clean up.
    await waitFor(async () => {
      const row = await database.prisma.message.findUnique({ where: { id: assistantMessage.id } });
      return row && row.content.length >= seen.text.length ? row : null;
    });
    first.child.kill("SIGKILL");
    await new Promise((resolve) => first.child.once("exit", resolve));

    const second = await startServerProcess(environment);
    cleanups.push(() => void second.child.kill("SIGKILL"));
    const restarted = createClient(second.url, token);
    const { items } = await restarted.message.list.query({ sessionId: session.id });
    const user = items.find((message) => message.id === userMessage.id);
    const reply = items.find((message) => message.id === assistantMessage.id);
    expect(user).toMatchObject({ content: "Please do not lose me.", status: "complete" });
    expect(reply?.status).toBe("interrupted");
    expect(reply!.content.startsWith(seen.text)).toBe(true);
    // Subscribing after the restart tells the client how it ended instead of hanging.
    const replay = await collectStream(restarted, assistantMessage.id);
    expect(replay.final).toMatchObject({ type: "snapshot", status: "interrupted", content: reply!.content });
    await second.stop();
  });
});
