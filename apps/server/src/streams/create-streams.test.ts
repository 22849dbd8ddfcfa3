import { describe, expect, it } from "vitest";
import { EventLogStore } from "../chat/event-log.ts";
import { ConfigError, loadConfig } from "../env.ts";
import { createReplyStreams } from "./create-streams.ts";

const silent = { info: () => undefined, warn: () => undefined };

describe("RECALL_EVENT_LOG", () => {
  it("defaults to the in-process logs, with nothing to sweep", async () => {
    const config = loadConfig({});
    expect(config.eventLog).toBe("memory");
    const streams = createReplyStreams({ ...config, retainFinishedMs: 1000 }, silent);
    expect(streams.mode).toBe("memory");
    expect(streams.eventLogs).toBeInstanceOf(EventLogStore);
    expect(await streams.coordinator.isActiveElsewhere("m1")).toBe(false);
    await streams.close();
  });

  it("refuses redis without REDIS_URL with a clear configuration error", () => {
    expect(() => loadConfig({ RECALL_EVENT_LOG: "redis" })).toThrow(ConfigError);
    expect(() => loadConfig({ RECALL_EVENT_LOG: "redis" })).toThrow(/RECALL_EVENT_LOG=redis needs REDIS_URL/);
    expect(() => createReplyStreams({ eventLog: "redis", redisUrl: null, redisDatabase: 0, replyLeaseMs: 10_000, retainFinishedMs: 1000 }, silent)).toThrow(ConfigError);
    expect(() => loadConfig({ RECALL_EVENT_LOG: "disk" })).toThrow(/RECALL_EVENT_LOG/);
    expect(loadConfig({ RECALL_EVENT_LOG: "redis", REDIS_URL: "redis://127.0.0.1:6379" }).eventLog).toBe("redis");
  });
});
