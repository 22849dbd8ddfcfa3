import { chmodSync, existsSync, statSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "./client.ts";

let directory: string;
let database: Database | null = null;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "recall-file-mode-"));
});

afterEach(async () => {
  await database?.close();
  database = null;
  await rm(directory, { recursive: true, force: true });
});

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe("SQLite files", () => {
  it("are created 0600 (the database, its -wal and -shm), in a 0700 folder, whatever the umask", async () => {
    const previous = process.umask(0o022);
    try {
      const filePath = join(directory, "data", "recall.db");
      database = await openDatabase({ url: `file:${filePath}` });
      await database.prisma.user.create({ data: {} });
      for (const path of [filePath, `${filePath}-wal`, `${filePath}-shm`]) {
        expect(existsSync(path)).toBe(true);
        expect(modeOf(path).toString(8)).toBe("600");
      }
      expect(modeOf(join(directory, "data")).toString(8)).toBe("700");
    } finally {
      process.umask(previous);
    }
  });

  it("narrows files an older version left world-readable", async () => {
    const filePath = join(directory, "recall.db");
    database = await openDatabase({ url: `file:${filePath}` });
    await database.prisma.user.create({ data: {} });
    await database.close();
    database = null;
    for (const path of [filePath, `${filePath}-wal`, `${filePath}-shm`]) if (existsSync(path)) chmodSync(path, 0o644);
    writeFileSync(`${filePath}-journal`, "", { mode: 0o644 });
    database = await openDatabase({ url: `file:${filePath}` });
    for (const path of [filePath, `${filePath}-wal`, `${filePath}-shm`, `${filePath}-journal`]) if (existsSync(path)) expect(modeOf(path).toString(8)).toBe("600");
  });
});
