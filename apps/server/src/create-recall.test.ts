import { afterEach, describe, expect, it } from "vitest";
import { startHarness, waitFor, type Harness } from "./testing/harness.ts";
import { startRedisProcess, type RedisProcess } from "./testing/redis-process.ts";

let harness: Harness | undefined;
let redis: RedisProcess | undefined;
afterEach(async () => {
  await harness?.close();
  await redis?.kill();
  harness = undefined;
  redis = undefined;
});

describe("the logger", () => {
  it("exists before the services: what they log while Recall starts is kept, in the server's own log", async () => {
    redis = await startRedisProcess();
    const lines: Array<{ msg?: string; level?: number }> = [];
    harness = await startHarness({
      config: { logLevel: "info", redisUrl: redis.url, redisDatabase: 3 },
      recall: { operations: { logDestination: { write: (line) => void lines.push(JSON.parse(line) as { msg?: string }) } } },
    });
    // The Redis cache says it connected while the services are being built, before any route exists.
    await waitFor(() => lines.some((line) => line.msg === "Redis connected"));
    expect(harness.recall.services.logger).toBe(harness.recall.app.log);
  });
});
