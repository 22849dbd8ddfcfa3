import { chmodSync, closeSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";

/** Owner read and write only: the database holds every user's chats. */
export const sqliteFileMode = 0o600;

/**
 * Before SQLite opens `filePath`: the folder is made 0700 when we create it, the database file
 * is created 0600 (SQLite gives its -wal and -shm files the database file's mode), and files
 * left more open by an older version are narrowed to 0600.
 */
export function secureSqliteFiles(filePath: string): void {
  mkdirSync(dirname(filePath), { recursive: true, mode: 0o700 });
  // "a" creates the file when missing and never truncates it.
  closeSync(openSync(filePath, "a", sqliteFileMode));
  for (const path of [filePath, `${filePath}-wal`, `${filePath}-shm`, `${filePath}-journal`]) {
    try {
      chmodSync(path, sqliteFileMode);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
}
