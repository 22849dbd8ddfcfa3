// SQLite only, whatever RECALL_TEST_DATABASE says: these settings exist only there.
import Database from "better-sqlite3";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseDatabaseUrl } from "./database-url.ts";
import { SqlitePragmaError } from "./errors/sqlite-pragma-error.ts";
import { assertSqlitePragmas } from "./sqlite-pragmas.ts";
import type { TestDatabase } from "./testing.ts";
import { createTestDatabase } from "./testing.ts";

describe("a SQLite database opened by openDatabase", () => {
  let database: TestDatabase;
  let filePath: string;

  beforeEach(async () => {
    database = await createTestDatabase({ provider: "sqlite" });
    const target = parseDatabaseUrl(database.url);
    if (target.provider !== "sqlite") throw new Error("expected SQLite");
    filePath = target.filePath;
  });

  afterEach(async () => {
    await database.close();
  });

  async function pragma(name: string): Promise<unknown> {
    const rows = await database.prisma.$queryRawUnsafe<Record<string, unknown>[]>(`PRAGMA ${name}`);
    const value = Object.values(rows[0] ?? {})[0];
    return typeof value === "bigint" ? Number(value) : value;
  }

  it("runs Prisma's connection in WAL mode with a busy timeout, foreign keys and synchronous=NORMAL", async () => {
    expect(await pragma("journal_mode")).toBe("wal");
    expect(await pragma("busy_timeout")).toBe(5000);
    expect(await pragma("foreign_keys")).toBe(1);
    expect(await pragma("synchronous")).toBe(1);
    await database.prisma.user.create({ data: {} });
    expect(existsSync(`${filePath}-wal`)).toBe(true);
  });

  it("configures the connection again when Prisma reconnects", async () => {
    await database.prisma.$disconnect();
    // Someone switches the file out of WAL while we are disconnected; the next connection must switch it back.
    const other = new Database(filePath);
    other.pragma("journal_mode = DELETE");
    other.close();

    expect(await pragma("journal_mode")).toBe("wal");
    expect(await pragma("foreign_keys")).toBe(1);
    expect(await pragma("busy_timeout")).toBe(5000);
    expect(await pragma("synchronous")).toBe(1);
  });

  it("enforces foreign keys", async () => {
    await expect(
      database.prisma.chatSession.create({ data: { userId: "no-such-user", title: "orphan" } }),
    ).rejects.toMatchObject({ code: "P2003" });
  });

  it("waits for another process's write lock instead of failing", async () => {
    const betterSqlite = createRequire(import.meta.url).resolve("better-sqlite3");
    const holdMs = 700;
    const holder = spawn(
      process.execPath,
      [
        "-e",
        `const Database = require(${JSON.stringify(betterSqlite)});
         const db = new Database(${JSON.stringify(filePath)});
         db.exec("BEGIN IMMEDIATE");
         process.stdout.write("locked\\n");
         setTimeout(() => { db.exec("COMMIT"); db.close(); }, ${holdMs});`,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const exited = new Promise((resolve) => holder.on("exit", resolve));
    await new Promise<void>((resolve, reject) => {
      holder.stdout.on("data", (chunk: Buffer) => chunk.toString().includes("locked") && resolve());
      holder.on("exit", () => reject(new Error("the lock holder exited early")));
    });

    const started = Date.now();
    await database.prisma.user.create({ data: {} });
    expect(Date.now() - started).toBeGreaterThanOrEqual(holdMs / 2);
    expect(await exited).toBe(0);
  });
});

describe("assertSqlitePragmas", () => {
  const healthy = { journalMode: "wal", busyTimeoutMs: 5000, foreignKeys: true, synchronous: 1, secureDelete: true };

  it("accepts the settings we apply", () => {
    expect(() => assertSqlitePragmas(healthy, "/data/recall.db")).not.toThrow();
  });

  it("refuses a connection that is not in WAL mode, naming the file", () => {
    expect(() => assertSqlitePragmas({ ...healthy, journalMode: "delete" }, "/data/recall.db")).toThrow(SqlitePragmaError);
    expect(() => assertSqlitePragmas({ ...healthy, journalMode: "delete" }, "/data/recall.db")).toThrow(/\/data\/recall\.db.*WAL/);
  });

  it("refuses foreign keys off, another busy timeout or another synchronous level", () => {
    expect(() => assertSqlitePragmas({ ...healthy, foreignKeys: false }, "x.db")).toThrow(/foreign_keys/);
    expect(() => assertSqlitePragmas({ ...healthy, busyTimeoutMs: 0 }, "x.db")).toThrow(/busy_timeout/);
    expect(() => assertSqlitePragmas({ ...healthy, synchronous: 2 }, "x.db")).toThrow(/synchronous/);
    expect(() => assertSqlitePragmas({ ...healthy, secureDelete: false }, "x.db")).toThrow(/secure_delete/);
  });
});
