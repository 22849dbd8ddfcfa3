// The runner on both providers always, whatever RECALL_TEST_DATABASE says.
import { createHash } from "node:crypto";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { DatabaseProvider } from "./database-url.ts";
import { FailedMigrationError } from "./errors/failed-migration-error.ts";
import { MigrationApplyError } from "./errors/migration-apply-error.ts";
import { MigrationChecksumMismatchError } from "./errors/migration-checksum-mismatch-error.ts";
import { MigrationLockTimeoutError } from "./errors/migration-lock-timeout-error.ts";
import { MigrationsDirectoryError } from "./errors/migrations-directory-error.ts";
import { UnknownMigrationError } from "./errors/unknown-migration-error.ts";
import { migrateDatabase } from "./migrate.ts";
import { migrationsDirectoryFor } from "./migrations.ts";
import { prismaAdvisoryLockKey } from "./postgres-migration-connection.ts";
import type { TestDatabase } from "./testing.ts";
import { createTestDatabase, testPostgresUrl } from "./testing.ts";

interface MigrationRow {
  id: string;
  checksum: string;
  migration_name: string;
  logs: string | null;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  started_at: Date;
  applied_steps_count: number;
}

const addPinnedColumn = `-- AlterTable
ALTER TABLE "Message" ADD COLUMN "pinned" BOOLEAN NOT NULL DEFAULT false;
`;

describe.each<DatabaseProvider>(["sqlite", "postgresql"])("migrateDatabase on %s", (provider) => {
  let database: TestDatabase;
  let migrations: string;
  let scratch: string;
  let shippedNames: string[];

  beforeEach(async () => {
    database = await createTestDatabase({ provider, migrate: false });
    scratch = await mkdtemp(join(tmpdir(), "recall-migrations-"));
    migrations = join(scratch, provider);
    await cp(migrationsDirectoryFor(provider), migrations, { recursive: true });
    shippedNames = (await readdir(migrations, { withFileTypes: true }))
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
  });

  afterEach(async () => {
    await database.close();
    await rm(scratch, { recursive: true, force: true });
  });

  const migrate = (options: { lockTimeoutMs?: number } = {}) =>
    migrateDatabase({ url: database.url, migrationsDirectory: migrations, ...options });

  async function addMigration(name: string, script: string): Promise<void> {
    await mkdir(join(migrations, name), { recursive: true });
    await writeFile(join(migrations, name, "migration.sql"), script);
  }

  async function history(): Promise<MigrationRow[]> {
    const rows = await database.prisma.$queryRawUnsafe<MigrationRow[]>(
      `SELECT id, checksum, migration_name, logs, finished_at, rolled_back_at, started_at, applied_steps_count
       FROM "_prisma_migrations" ORDER BY started_at, migration_name`,
    );
    return rows.map((row) => ({ ...row, applied_steps_count: Number(row.applied_steps_count) }));
  }

  async function tableExists(table: string): Promise<boolean> {
    const sql =
      provider === "sqlite"
        ? `SELECT name FROM sqlite_master WHERE type = 'table' AND name = '${table}'`
        : `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = '${table}'`;
    return (await database.prisma.$queryRawUnsafe<unknown[]>(sql)).length > 0;
  }

  it("applies every migration once, records it as Prisma does, and does nothing the second time", async () => {
    expect(await migrate()).toEqual({ provider, applied: shippedNames });
    expect(await migrate()).toEqual({ provider, applied: [] });

    const rows = await history();
    expect(rows.map((row) => row.migration_name)).toEqual(shippedNames);
    for (const row of rows) {
      const bytes = await readFile(join(migrations, row.migration_name, "migration.sql"));
      expect(row.checksum).toBe(createHash("sha256").update(bytes).digest("hex"));
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(row).toMatchObject({ logs: null, rolled_back_at: null, applied_steps_count: 1 });
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.finished_at!.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
      expect(Math.abs(row.started_at.getTime() - Date.now())).toBeLessThan(60_000);
    }
  });

  it("applies only the new migration when a later build ships one", async () => {
    await migrate();
    await addMigration("20990101000000_add_message_pinned", addPinnedColumn);

    expect(await migrate()).toEqual({ provider, applied: ["20990101000000_add_message_pinned"] });
    const columns =
      provider === "sqlite"
        ? await database.prisma.$queryRawUnsafe<{ name: string }[]>(`SELECT name FROM pragma_table_info('Message')`)
        : await database.prisma.$queryRawUnsafe<{ name: string }[]>(
            `SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'Message'`,
          );
    expect(columns.map((column) => column.name)).toContain("pinned");
  });

  it("refuses to run when an applied migration was edited", async () => {
    await migrate();
    const [first] = shippedNames;
    await writeFile(join(migrations, first!, "migration.sql"), "-- edited\n", { flag: "a" });
    await addMigration("20990101000000_add_message_pinned", addPinnedColumn);

    const failure = migrate();
    await expect(failure).rejects.toBeInstanceOf(MigrationChecksumMismatchError);
    await expect(failure).rejects.toMatchObject({ migrationNames: [first] });
    expect((await history()).map((row) => row.migration_name)).toEqual(shippedNames);
  });

  it("accepts an applied migration whose checkout converted its line endings", async () => {
    await migrate();
    const file = join(migrations, shippedNames[0]!, "migration.sql");
    await writeFile(file, (await readFile(file, "utf8")).replaceAll("\n", "\r\n"));

    expect(await migrate()).toEqual({ provider, applied: [] });
  });

  it("refuses a database that has migrations this build does not ship", async () => {
    await addMigration("20990101000000_add_message_pinned", addPinnedColumn);
    await migrate();
    await rm(join(migrations, "20990101000000_add_message_pinned"), { recursive: true });

    const failure = migrate();
    await expect(failure).rejects.toBeInstanceOf(UnknownMigrationError);
    await expect(failure).rejects.toMatchObject({ migrationNames: ["20990101000000_add_message_pinned"] });
  });

  it("refuses to continue after an unresolved failed migration, and continues once it is marked rolled back", async () => {
    await migrate();
    // What an interrupted `prisma migrate deploy` leaves behind: a started row that never finished.
    await database.prisma.$executeRawUnsafe(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count)
       VALUES ('00000000-0000-4000-8000-000000000000', 'x', '20990101000000_add_message_pinned', CURRENT_TIMESTAMP, 0)`,
    );
    await addMigration("20990101000000_add_message_pinned", addPinnedColumn);

    const failure = migrate();
    await expect(failure).rejects.toBeInstanceOf(FailedMigrationError);
    await expect(failure).rejects.toMatchObject({ migrationNames: ["20990101000000_add_message_pinned"] });

    await database.prisma.$executeRawUnsafe(
      `UPDATE "_prisma_migrations" SET rolled_back_at = CURRENT_TIMESTAMP WHERE migration_name = '20990101000000_add_message_pinned'`,
    );
    expect(await migrate()).toEqual({ provider, applied: ["20990101000000_add_message_pinned"] });
    const attempts = (await history()).filter((row) => row.migration_name === "20990101000000_add_message_pinned");
    expect(attempts.map((row) => [row.rolled_back_at === null, row.finished_at === null])).toEqual(
      expect.arrayContaining([
        [false, true],
        [true, false],
      ]),
    );
  });

  it("rolls a failing migration back completely, records nothing, and applies it once fixed", async () => {
    await migrate();
    const name = "20990101000000_add_scratch";
    const valid = `CREATE TABLE "Scratch" ("id" TEXT NOT NULL PRIMARY KEY);\n`;
    await addMigration(name, `${valid}INSERT INTO "DoesNotExist" VALUES (1);\n`);

    const failure = migrate();
    await expect(failure).rejects.toBeInstanceOf(MigrationApplyError);
    await expect(failure).rejects.toMatchObject({ migrationName: name, message: expect.stringContaining("DoesNotExist") });
    expect(await tableExists("Scratch")).toBe(false);
    expect((await history()).map((row) => row.migration_name)).toEqual(shippedNames);

    await writeFile(join(migrations, name, "migration.sql"), valid);
    expect(await migrate()).toEqual({ provider, applied: [name] });
    expect(await tableExists("Scratch")).toBe(true);
  });

  it("applies each migration exactly once when several instances start together", async () => {
    await addMigration("20990101000000_add_message_pinned", addPinnedColumn);
    const results = await Promise.all(Array.from({ length: 4 }, () => migrate()));

    expect(results.flatMap((result) => result.applied).sort()).toEqual([...shippedNames, "20990101000000_add_message_pinned"].sort());
    expect((await history()).map((row) => row.migration_name).sort()).toEqual(
      [...shippedNames, "20990101000000_add_message_pinned"].sort(),
    );
  });

  it("refuses a migrations folder locked to the other provider", async () => {
    await writeFile(join(migrations, "migration_lock.toml"), `provider = "${provider === "sqlite" ? "postgresql" : "sqlite"}"\n`);
    await expect(migrate()).rejects.toBeInstanceOf(MigrationsDirectoryError);
  });

  it.runIf(provider === "postgresql")("gives up with a clear error when another instance holds the lock too long", async () => {
    const holder = new pg.Client({ connectionString: testPostgresUrl() });
    await holder.connect();
    try {
      await holder.query("SELECT pg_advisory_lock($1)", [prismaAdvisoryLockKey]);
      await expect(migrate({ lockTimeoutMs: 300 })).rejects.toBeInstanceOf(MigrationLockTimeoutError);
    } finally {
      await holder.query("SELECT pg_advisory_unlock($1)", [prismaAdvisoryLockKey]);
      await holder.end();
    }
    expect(await migrate()).toEqual({ provider, applied: shippedNames });
  });

  it.runIf(provider === "sqlite")("keeps child rows when a migration rebuilds a parent table the way Prisma does on SQLite", async () => {
    await migrate();
    const user = await database.prisma.user.create({ data: { kind: "account" } });
    const session = await database.prisma.chatSession.create({ data: { userId: user.id, title: "kept" } });
    await database.prisma.message.create({ data: { sessionId: session.id, userId: user.id, role: "user", content: "hello" } });
    // Prisma's script for dropping the default of User.kind: copy, DROP TABLE "User", rename.
    // Written from the table as it is now, so columns later migrations add are kept.
    const [table] = await database.prisma.$queryRawUnsafe<Array<{ sql: string }>>(`SELECT "sql" FROM "sqlite_master" WHERE "type" = 'table' AND "name" = 'User'`);
    const columns = (await database.prisma.$queryRawUnsafe<Array<{ name: string }>>(`PRAGMA table_info("User")`)).map((column) => `"${column.name}"`).join(", ");
    const createNewUser = table!.sql.replace(/^CREATE TABLE "User"/, 'CREATE TABLE "new_User"').replace(/("kind" TEXT NOT NULL) DEFAULT '[a-z]+'/, "$1");
    expect(createNewUser).not.toContain("DEFAULT 'anonymous'");
    await addMigration(
      "20990101000000_user_kind_without_default",
      `-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
${createNewUser};
INSERT INTO "new_User" (${columns}) SELECT ${columns} FROM "User";
DROP TABLE "User";
ALTER TABLE "new_User" RENAME TO "User";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
`,
    );

    expect(await migrate()).toEqual({ provider, applied: ["20990101000000_user_kind_without_default"] });
    expect(await database.prisma.chatSession.count()).toBe(1);
    expect(await database.prisma.message.count()).toBe(1);
    // Cascades still work afterwards: the foreign keys now point at the rebuilt table.
    await database.prisma.user.delete({ where: { id: user.id } });
    expect(await database.prisma.message.count()).toBe(0);
  });

  it.runIf(provider === "sqlite")("refuses a migration that leaves dangling foreign keys", async () => {
    await migrate();
    const name = "20990101000000_orphan";
    await addMigration(
      name,
      `INSERT INTO "ChatSession" ("id", "userId", "title", "updatedAt") VALUES ('orphan', 'no-such-user', 'x', CURRENT_TIMESTAMP);\n`,
    );
    await expect(migrate()).rejects.toMatchObject({ name: "MigrationApplyError", message: expect.stringContaining("foreign_key_check") });
    expect(await database.prisma.chatSession.count()).toBe(0);
  });
});
