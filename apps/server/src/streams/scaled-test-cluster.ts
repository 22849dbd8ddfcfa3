import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, type Database } from "@recall/db";
import { startFakeOllama, type FakeOllama, type FakeOllamaOptions } from "@recall/fake-ollama";
import { createClient, type RecallClient } from "../testing/harness.ts";
import { startRedisProcess, type RedisProcess } from "../testing/redis-process.ts";
import { startServerProcess, type ServerProcess } from "../testing/server-process.ts";

/** The server tests' PostgreSQL (trust auth on loopback); each cluster makes a database of its own there. */
const postgresServer = process.env.RECALL_TEST_POSTGRES_SERVER?.trim() || "postgresql://postgres@127.0.0.1:5432";

/**
 * The scaled mode on loopback, for tests: a new PostgreSQL database (migrated by the project's
 * runner, dropped after), a private redis-server to kill and restart, the fake Ollama, and server
 * processes sharing them with RECALL_EVENT_LOG=redis.
 */
export interface ScaledTestCluster {
  fake: FakeOllama;
  redis: RedisProcess;
  /** A handle on the shared database, to check what was saved. */
  database: Database;
  /** `environment`: settings of this instance only, over the cluster's. */
  startInstance(environment?: Record<string, string>): Promise<ServerProcess>;
  /** A new anonymous user: a token every instance accepts, and a client on any instance. */
  newUser(): Promise<{ token: string; on: (instance: ServerProcess) => RecallClient }>;
  close(): Promise<void>;
}

export const testLeaseMs = 2000;

export async function startScaledTestCluster(options: { fake?: FakeOllamaOptions; environment?: Record<string, string> } = {}): Promise<ScaledTestCluster> {
  const name = `recall_streams_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  const admin = await openDatabase({ url: `${postgresServer}/postgres`, migrate: false });
  await admin.prisma.$executeRawUnsafe(`CREATE DATABASE "${name}"`);
  const url = `${postgresServer}/${name}`;
  const database = await openDatabase({ url });
  const fake = await startFakeOllama(options.fake ?? {});
  const redis = await startRedisProcess();
  const instances: ServerProcess[] = [];
  const environment = {
    DATABASE_URL: url,
    REDIS_URL: redis.url,
    RECALL_EVENT_LOG: "redis",
    RECALL_REPLY_LEASE_MS: String(testLeaseMs),
    OLLAMA_URL: fake.url,
    RECALL_SECRET: randomBytes(24).toString("hex"),
    RECALL_DATA_DIR: mkdtempSync(join(tmpdir(), "recall-scaled-")),
    RECALL_CHECKPOINT_MS: "100",
    RECALL_LIMIT_MESSAGES_PER_SECOND: "0",
    RECALL_LIMIT_MESSAGES_PER_MINUTE: "0",
    RECALL_LIMIT_USERS_PER_ADDRESS_PER_HOUR: "0",
    RECALL_LIMIT_GENERATIONS_PER_USER: "0",
    RECALL_LIMIT_GENERATIONS_PER_SERVER: "0",
    ...options.environment,
  };
  return {
    fake,
    redis,
    database,
    async startInstance(extra = {}) {
      const instance = await startServerProcess({ ...environment, ...extra });
      instances.push(instance);
      return instance;
    },
    async newUser() {
      const first = instances[0];
      if (!first) throw new Error("start an instance first");
      const { accessToken } = await createClient(first.url, null).auth.token.mutate();
      return { token: accessToken, on: (instance) => createClient(instance.url, accessToken) };
    },
    async close() {
      for (const instance of instances) instance.child.kill("SIGKILL");
      await Promise.all(instances.map((instance) => (instance.child.exitCode === null && instance.child.signalCode === null ? new Promise((resolve) => instance.child.once("exit", resolve)) : null)));
      await redis.kill();
      await fake.close();
      await database.close();
      await admin.prisma.$executeRawUnsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.close();
    },
  };
}
