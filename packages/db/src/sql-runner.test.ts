// Runs on SQLite, or on PostgreSQL with RECALL_TEST_DATABASE=postgresql.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sqlDate } from "./sql-runner.ts";
import { createTestDatabase, testDatabaseProvider, type TestDatabase } from "./testing.ts";

describe(`the plain SQL runner on ${testDatabaseProvider()}`, () => {
  let database: TestDatabase;

  beforeEach(async () => {
    database = await createTestDatabase();
  });

  afterEach(async () => {
    await database.close();
  });

  it("reads and writes what Prisma reads and writes, dates included", async () => {
    const { prisma, sql } = database;
    const user = await prisma.user.create({ data: {} });
    const at = new Date("2026-03-04T05:06:07.089Z");
    await sql.execute('INSERT INTO "ChatSession" ("id", "userId", "title", "model", "createdAt", "updatedAt") VALUES (?, ?, ?, ?, ?, ?)', ["c1", user.id, "Trip", null, at, at]);
    const viaPrisma = await prisma.chatSession.findUniqueOrThrow({ where: { id: "c1" } });
    expect(viaPrisma).toMatchObject({ userId: user.id, title: "Trip", model: null });
    expect(viaPrisma.createdAt.toISOString()).toBe(at.toISOString());
    // Written by Prisma, read here.
    const later = await prisma.chatSession.update({ where: { id: "c1" }, data: { title: "Lisbon" } });
    const [row] = await sql.query<{ title: string; updatedAt: unknown; messages: number | bigint }>(
      'SELECT "title", "updatedAt", (SELECT COUNT(*) FROM "Message" WHERE "sessionId" = "ChatSession"."id") AS "messages" FROM "ChatSession" WHERE "id" = ? AND "userId" = ?',
      ["c1", user.id],
    );
    expect(row?.title).toBe("Lisbon");
    expect(sqlDate(row?.updatedAt).toISOString()).toBe(later.updatedAt.toISOString());
    // Plain numbers, as JSON can carry them (PostgreSQL's COUNT is a bigint, read as text).
    expect(Number(row?.messages)).toBe(0);
    await prisma.message.create({ data: { id: "m1", sessionId: "c1", userId: user.id, role: "assistant", content: "", promptTokens: 1234 } });
    const [message] = await sql.query<{ promptTokens: unknown }>('SELECT "promptTokens" FROM "Message" WHERE "id" = ?', ["m1"]);
    expect(message?.promptTokens).toBe(1234);
    expect(await sql.query('SELECT "id" FROM "ChatSession" WHERE "id" = ? AND "userId" = ?', ["c1", "someone else"])).toEqual([]);
    expect(await sql.execute('UPDATE "ChatSession" SET "title" = ? WHERE "id" = ?', ["Porto", "nope"])).toBe(0);
  });

  it("runs a transaction all or nothing", async () => {
    const { prisma, sql } = database;
    const user = await prisma.user.create({ data: {} });
    const now = new Date();
    const insert = (id: string) => ({ sql: 'INSERT INTO "ChatSession" ("id", "userId", "title", "createdAt", "updatedAt") VALUES (?, ?, ?, ?, ?)', args: [id, user.id, "t", now, now] });
    expect(await sql.transaction([insert("a"), insert("b")])).toEqual([1, 1]);
    // The second insert repeats a key: the first is undone too.
    await expect(sql.transaction([insert("c"), insert("a")])).rejects.toThrow();
    expect((await prisma.chatSession.findMany({ orderBy: { id: "asc" } })).map((session) => session.id)).toEqual(["a", "b"]);
  });

  it("waits for an open Prisma transaction instead of running inside it", async () => {
    const { prisma, sql } = database;
    const user = await prisma.user.create({ data: {} });
    const now = new Date();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const transaction = prisma
      .$transaction(async (tx) => {
        await tx.chatSession.create({ data: { id: "rolled-back", userId: user.id, title: "t" } });
        await held;
        throw new Error("roll back");
      })
      .catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const write = sql.execute('INSERT INTO "ChatSession" ("id", "userId", "title", "createdAt", "updatedAt") VALUES (?, ?, ?, ?, ?)', ["kept", user.id, "t", now, now]);
    release();
    await transaction;
    await write;
    expect((await prisma.chatSession.findMany()).map((session) => session.id)).toEqual(["kept"]);
  });
});
