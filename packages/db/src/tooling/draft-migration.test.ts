import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { migrateDatabase } from "../migrate.ts";
import { migrationsDirectoryFor, prismaSchemaPathFor } from "../migrations.ts";
import type { TestDatabase } from "../testing.ts";
import { createTestDatabase } from "../testing.ts";
import { draftMigration } from "./draft-migration.ts";
import { introspectDatabase } from "./introspect-database.ts";
import { emptyMigration, openPrismaSchemaEngine } from "./prisma-schema-engine.ts";

async function nextSchema(): Promise<string> {
  const current = await readFile(prismaSchemaPathFor("sqlite"), "utf8");
  const changed = current.replace("  contextJson      String?\n", "  contextJson      String?\n  pinned           Boolean  @default(false)\n");
  expect(changed).not.toBe(current);
  return `${changed}\nmodel Bookmark {\n  id        String   @id @default(cuid())\n  userId    String\n  createdAt DateTime @default(now())\n\n  @@index([userId])\n}\n`;
}

describe("draftMigration", () => {
  let scratch: string;

  beforeEach(async () => {
    scratch = await mkdtemp(join(tmpdir(), "recall-draft-test-"));
  });

  afterEach(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it("drafts nothing while the schema matches the migrations", async () => {
    expect(await draftMigration(await readFile(prismaSchemaPathFor("sqlite"), "utf8"))).toEqual({ sqlite: null, postgresql: null });
  });

  describe.each(["sqlite", "postgresql"] as const)("on %s", (provider) => {
    let database: TestDatabase;

    beforeEach(async () => {
      database = await createTestDatabase({ provider, migrate: false });
    });

    afterEach(async () => {
      await database.close();
    });

    it("drafts a script that takes the migrated database to the new schema", async () => {
      const schema = await nextSchema();
      const draft = await draftMigration(schema);
      const migrations = join(scratch, provider);
      await cp(migrationsDirectoryFor(provider), migrations, { recursive: true });
      await mkdir(join(migrations, "20990101000000_pinned_and_bookmarks"));
      await writeFile(join(migrations, "20990101000000_pinned_and_bookmarks", "migration.sql"), draft[provider] ?? "");

      const result = await migrateDatabase({ url: database.url, migrationsDirectory: migrations });
      expect(result.applied).toContain("20990101000000_pinned_and_bookmarks");

      const tables = await introspectDatabase(database.url);
      expect(tables.get("Message")?.columns.get("pinned")).toMatchObject({ type: "boolean", nullable: false });
      expect(tables.get("Bookmark")?.indexes).toEqual([{ name: "Bookmark_userId_idx", columns: ["userId"], unique: false }]);
      if (provider === "sqlite") {
        const engine = await openPrismaSchemaEngine({ url: database.url, migrationsDirectory: migrations });
        try {
          expect(await engine.diffDatabaseToSchema(schema)).toBe(emptyMigration);
        } finally {
          await engine.close();
        }
      }
    });
  });
});
