// Runs on SQLite, or on PostgreSQL with RECALL_TEST_DATABASE=postgresql.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase } from "./client.ts";
import { Prisma } from "./generated/sqlite/client.ts";
import type { TestDatabase } from "./testing.ts";
import { createTestDatabase, testDatabaseProvider } from "./testing.ts";

describe(`openDatabase on ${testDatabaseProvider()}`, () => {
  let database: TestDatabase;

  beforeEach(async () => {
    database = await createTestDatabase();
  });

  afterEach(async () => {
    await database.close();
  });

  async function createChat() {
    const { prisma } = database;
    const user = await prisma.user.create({ data: {} });
    const session = await prisma.chatSession.create({ data: { userId: user.id, title: "Trip planning", model: "llama3.2" } });
    const question = await prisma.message.create({
      data: { sessionId: session.id, userId: user.id, role: "user", content: "Where should I go in May?" },
    });
    const answer = await prisma.message.create({
      data: {
        sessionId: session.id,
        userId: user.id,
        parentId: question.id,
        role: "assistant",
        content: "Lisbon",
        status: "streaming",
        model: "llama3.2",
      },
    });
    return { user, session, question, answer };
  }

  async function counts() {
    const { prisma } = database;
    return {
      users: await prisma.user.count(),
      sessions: await prisma.chatSession.count(),
      messages: await prisma.message.count(),
      summaries: await prisma.sessionSummary.count(),
      episodes: await prisma.episode.count(),
      facts: await prisma.profileFact.count(),
    };
  }

  it("stores a user's chat as a tree of messages with its defaults", async () => {
    const { user, session, question, answer } = await createChat();

    expect(user.kind).toBe("anonymous");
    expect(question.status).toBe("complete");
    const stored = await database.prisma.chatSession.findUniqueOrThrow({
      where: { id: session.id },
      include: { messages: { orderBy: { createdAt: "asc" }, include: { children: true } } },
    });
    expect(stored.messages.map((message) => message.content)).toEqual(["Where should I go in May?", "Lisbon"]);
    expect(stored.messages[0]?.children.map((child) => child.id)).toEqual([answer.id]);

    const finished = await database.prisma.message.update({
      where: { id: answer.id },
      data: { status: "complete", promptTokens: 42, completionTokens: 7, contextJson: JSON.stringify({ layers: [] }) },
    });
    expect(finished).toMatchObject({ status: "complete", promptTokens: 42, completionTokens: 7 });
    expect(finished.updatedAt.getTime()).toBeGreaterThanOrEqual(answer.updatedAt.getTime());
  });

  it("deletes everything a user owns with the user", async () => {
    const { user, session, question } = await createChat();
    const { prisma } = database;
    await prisma.sessionSummary.create({ data: { sessionId: session.id, content: "Planning a trip", coveredMessageId: question.id } });
    await prisma.episode.create({ data: { userId: user.id, sessionId: session.id, summary: "Asked about May trips" } });
    await prisma.profileFact.create({ data: { userId: user.id, kind: "interest", value: "travel", source: "pattern" } });
    const bystander = await prisma.user.create({ data: {} });

    await prisma.user.delete({ where: { id: user.id } });

    expect(await counts()).toEqual({ users: 1, sessions: 0, messages: 0, summaries: 0, episodes: 0, facts: 0 });
    expect(await prisma.user.findUnique({ where: { id: bystander.id } })).not.toBeNull();
  });

  it("deletes a message's replies with it, and a session's messages with the session but not the user", async () => {
    const { user, session, question } = await createChat();
    const { prisma } = database;

    await prisma.message.delete({ where: { id: question.id } });
    expect(await prisma.message.count()).toBe(0);

    await createChatMessage(session.id, user.id);
    await prisma.chatSession.delete({ where: { id: session.id } });
    expect(await counts()).toMatchObject({ users: 1, sessions: 0, messages: 0 });
  });

  async function createChatMessage(sessionId: string, userId: string) {
    return database.prisma.message.create({ data: { sessionId, userId, role: "user", content: "again" } });
  }

  it("round-trips DateTime values exactly, whatever the process time zone", async () => {
    // vitest.config.ts runs the tests in America/St_Johns (UTC-3:30 or -2:30) to expose local-time mistakes.
    const { user, session } = await createChat();
    const instants = ["2024-02-29T23:59:59.123Z", "1999-12-31T23:30:00.001Z", "2038-01-19T03:14:08.999Z"].map((iso) => new Date(iso));
    for (const [index, createdAt] of instants.entries()) {
      await database.prisma.message.create({
        data: { id: `dated-${index}`, sessionId: session.id, userId: user.id, role: "user", content: "dated", createdAt },
      });
    }

    const stored = await database.prisma.message.findMany({ where: { content: "dated" }, orderBy: { createdAt: "asc" } });
    expect(stored.map((message) => message.createdAt.toISOString())).toEqual(
      [...instants].sort((a, b) => a.getTime() - b.getTime()).map((date) => date.toISOString()),
    );
    const afterLeapDay = await database.prisma.message.findMany({
      where: { content: "dated", createdAt: { gt: new Date("2024-02-29T23:59:59.122Z") } },
    });
    expect(afterLeapDay.map((message) => message.id).sort()).toEqual(["dated-0", "dated-2"]);
  });

  it("reads back a timestamp the database filled in itself as the current UTC time", async () => {
    // Raw SQL leaves createdAt to DEFAULT CURRENT_TIMESTAMP, which must agree with Prisma's UTC convention.
    await database.prisma.$executeRawUnsafe(
      `INSERT INTO "User" ("id", "kind", "updatedAt") VALUES ('raw-user', 'anonymous', CURRENT_TIMESTAMP)`,
    );
    if (database.provider === "postgresql") {
      expect(await database.prisma.$queryRawUnsafe("SELECT current_setting('TimeZone') AS zone")).toEqual([{ zone: "UTC" }]);
    }
    const user = await database.prisma.user.findUniqueOrThrow({ where: { id: "raw-user" } });
    expect(Math.abs(user.createdAt.getTime() - Date.now())).toBeLessThan(5_000);
    expect(Math.abs(user.updatedAt.getTime() - Date.now())).toBeLessThan(5_000);
  });

  it("rolls back an interactive transaction that throws", async () => {
    const { prisma } = database;
    await expect(
      prisma.$transaction(async (transaction) => {
        await transaction.user.create({ data: { id: "rolled-back" } });
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    expect(await prisma.user.findUnique({ where: { id: "rolled-back" } })).toBeNull();
  });

  it("keeps work outside an interactive transaction out of it", async () => {
    const { prisma } = database;
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => {
      finish = resolve;
    });
    let created!: () => void;
    const insideCreated = new Promise<void>((resolve) => {
      created = resolve;
    });
    const transaction = prisma.$transaction(async (transactionClient) => {
      await transactionClient.user.create({ data: { id: "inside" } });
      created();
      await finished;
      throw new Error("roll back");
    });
    await insideCreated;

    // Prisma's promises are lazy; then() sends the queries now, while the transaction is open.
    const seenOutside = prisma.user.count({ where: { id: "inside" } }).then((count) => count);
    const writtenOutside = prisma.user.create({ data: { id: "outside" } }).then((user) => user);
    // Long enough for both queries to reach the driver while the transaction is still open.
    await new Promise((resolve) => setTimeout(resolve, 200));
    finish();

    await expect(transaction).rejects.toThrow("roll back");
    expect(await seenOutside).toBe(0);
    await writtenOutside;
    expect((await prisma.user.findMany()).map((user) => user.id)).toEqual(["outside"]);
  });

  it("reports constraint violations with Prisma's error class and codes", async () => {
    const { prisma } = database;
    await prisma.user.create({ data: { id: "taken" } });
    const duplicate = prisma.user.create({ data: { id: "taken" } });
    await expect(duplicate).rejects.toBeInstanceOf(Prisma.PrismaClientKnownRequestError);
    await expect(duplicate).rejects.toMatchObject({ code: "P2002" });
    await expect(prisma.chatSession.create({ data: { userId: "nobody", title: "x" } })).rejects.toMatchObject({ code: "P2003" });
  });

  it("keeps the data across a restart, with nothing left to migrate", async () => {
    const { session } = await createChat();
    await database.prisma.$disconnect();

    const reopened = await openDatabase({ url: database.url });
    try {
      expect(reopened.provider).toBe(database.provider);
      expect(reopened.migrations.applied).toEqual([]);
      expect(await reopened.prisma.message.count({ where: { sessionId: session.id } })).toBe(2);
    } finally {
      await reopened.close();
    }
  });
});
