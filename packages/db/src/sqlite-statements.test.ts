// SQLite only: the statement reuse wraps the better-sqlite3 handle of Prisma's SQLite adapter.
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createTestDatabase, type TestDatabase } from "./testing.ts";

describe("SQLite statements are compiled once and reused", () => {
  let database: TestDatabase;
  let compiled: string[];

  beforeEach(async () => {
    compiled = [];
    const compile = Database.prototype.prepare;
    vi.spyOn(Database.prototype, "prepare").mockImplementation(function (this: Database.Database, sql: string) {
      compiled.push(sql);
      return compile.call(this, sql);
    } as typeof compile);
    database = await createTestDatabase({ provider: "sqlite" });
  });

  afterEach(async () => {
    await database.close();
    vi.restoreAllMocks();
  });

  it("compiles a query once however often it runs, with each run's own arguments", async () => {
    const { prisma } = database;
    const users = await Promise.all(Array.from({ length: 5 }, () => prisma.user.create({ data: {} })));
    const before = compiled.length;
    for (let round = 0; round < 20; round += 1) {
      for (const user of users) {
        // Interleaved arguments: a statement shared by runs must not keep an earlier run's values.
        expect((await prisma.user.findUnique({ where: { id: user.id } }))?.id).toBe(user.id);
      }
    }
    expect(await prisma.user.findUnique({ where: { id: "nobody" } })).toBeNull();
    const findings = compiled.slice(before);
    expect(findings.length).toBeLessThanOrEqual(1);
  });

  it("keeps writes, transactions and constraint errors working on reused statements", async () => {
    const { prisma } = database;
    const user = await prisma.user.create({ data: { kind: "account", login: "ada" } });
    // The same INSERT text fails on the unique login, then succeeds with another value.
    await expect(prisma.user.create({ data: { kind: "account", login: "ada" } })).rejects.toMatchObject({ code: "P2002" });
    await prisma.user.create({ data: { kind: "account", login: "grace" } });
    await expect(
      prisma.$transaction(async (tx) => {
        await tx.user.update({ where: { id: user.id }, data: { login: "lovelace" } });
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect((await prisma.user.findUnique({ where: { id: user.id } }))?.login).toBe("ada");
    await prisma.$transaction(async (tx) => {
      await tx.user.update({ where: { id: user.id }, data: { login: "lovelace" } });
    });
    expect((await prisma.user.findUnique({ where: { id: user.id } }))?.login).toBe("lovelace");
    expect(await prisma.user.count()).toBe(2);
  });
});
