import { randomUUID } from "node:crypto";
import { EventLogStore, type EventLogs } from "../chat/event-log.ts";
import { ConfigError, type RecallConfig } from "../env.ts";
import { OrphanSweeper, type OrphanStore } from "./orphan-sweeper.ts";
import { openStreamsConnection, streamKeys } from "./redis-connections.ts";
import { RedisEventLogs } from "./redis-event-logs.ts";
import { RedisReplyCoordinator } from "./redis-reply-coordinator.ts";
import { singleInstanceReplies, type ReplyCoordinator } from "./reply-coordinator.ts";

interface Logger {
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
}

export interface ReplyStreams {
  mode: "memory" | "redis";
  eventLogs: EventLogs;
  coordinator: ReplyCoordinator;
  /**
   * Scaled mode: sweeps replies whose instance died (lease lapsed). One process: nothing to
   * start (create-recall marks the previous run's replies at start-up instead).
   */
  startOrphanRecovery(store: OrphanStore, isGeneratedHere: (messageId: string) => boolean): OrphanSweeper | null;
  /** After the generations have stopped: copies the final events, then closes the connections. */
  close(): Promise<void>;
}

export type ReplyStreamsSettings = Pick<RecallConfig, "eventLog" | "redisUrl" | "redisDatabase" | "replyLeaseMs"> & {
  retainFinishedMs: number;
  /** Tests give each run its own prefix on a shared Redis. */
  keyPrefix?: string;
};

/** The event logs and reply coordination for the configured mode (`RECALL_EVENT_LOG`). */
export function createReplyStreams(settings: ReplyStreamsSettings, logger: Logger): ReplyStreams {
  if (settings.eventLog === "memory") {
    return {
      mode: "memory",
      eventLogs: new EventLogStore({ retainFinishedMs: settings.retainFinishedMs }),
      coordinator: singleInstanceReplies,
      startOrphanRecovery: () => null,
      close: () => Promise.resolve(),
    };
  }
  if (!settings.redisUrl) throw new ConfigError("Invalid configuration: RECALL_EVENT_LOG=redis needs REDIS_URL.");
  const connection = { url: settings.redisUrl, database: settings.redisDatabase, prefix: settings.keyPrefix ?? "recall:" };
  const keys = streamKeys(connection.prefix);
  const instanceId = randomUUID();
  const command = openStreamsConnection(connection, "streams", { commandTimeoutMs: 1000 });
  const blocking = openStreamsConnection(connection, "streams-reader");
  const subscriber = openStreamsConnection(connection, "streams-control");
  let degraded = false;
  command.on("ready", () => {
    if (degraded) logger.info({ eventLog: "redis" }, "Redis back: replies stream across instances again");
    degraded = false;
  });
  command.on("close", () => {
    if (!degraded) logger.warn({ eventLog: "redis" }, "Redis unreachable: replies stream from their own instance only meanwhile");
    degraded = true;
  });
  const eventLogs = new RedisEventLogs(command, blocking, keys, { retainFinishedMs: settings.retainFinishedMs });
  const coordinator = new RedisReplyCoordinator(command, subscriber, keys, {
    instanceId,
    leaseMs: settings.replyLeaseMs,
    onWatched: (messageId, watchedElsewhere) => {
      const log = eventLogs.get(messageId);
      if (log) log.remoteReaders = watchedElsewhere ? 1 : 0;
    },
  });
  let sweeper: OrphanSweeper | null = null;
  return {
    mode: "redis",
    eventLogs,
    coordinator,
    startOrphanRecovery(store, isGeneratedHere) {
      sweeper = new OrphanSweeper(command, keys, store, { instanceId, leaseMs: settings.replyLeaseMs, retainFinishedMs: settings.retainFinishedMs, isGeneratedHere }, logger);
      sweeper.start();
      return sweeper;
    },
    async close() {
      await sweeper?.stop();
      coordinator.close();
      await eventLogs.close();
      await coordinator.releaseAll();
      for (const redis of [command, blocking, subscriber]) redis.disconnect();
    },
  };
}
