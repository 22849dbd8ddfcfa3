import { describe, expect, it } from "vitest";
import { FailedMigrationError } from "./errors/failed-migration-error.ts";
import { MigrationChecksumMismatchError } from "./errors/migration-checksum-mismatch-error.ts";
import { UnknownMigrationError } from "./errors/unknown-migration-error.ts";
import type { AppliedMigrationRow } from "./migration-history.ts";
import { planMigrations } from "./migration-history.ts";
import type { MigrationFile } from "./migrations.ts";

function file(name: string): MigrationFile {
  return { name, script: "", checksum: `sum-${name}`, acceptedChecksums: [`sum-${name}`] };
}

function row(name: string, changes: Partial<AppliedMigrationRow> = {}): AppliedMigrationRow {
  return { migrationName: name, checksum: `sum-${name}`, finished: true, rolledBack: false, ...changes };
}

const files = [file("1_init"), file("2_next"), file("3_last")];

describe("planMigrations", () => {
  it("returns what the database has not applied, in folder order", () => {
    expect(planMigrations(files, []).map((migration) => migration.name)).toEqual(["1_init", "2_next", "3_last"]);
    expect(planMigrations(files, [row("1_init"), row("3_last")]).map((migration) => migration.name)).toEqual(["2_next"]);
  });

  it("applies a rolled-back migration again and ignores its old row", () => {
    const rows = [row("1_init"), row("2_next", { finished: false, rolledBack: true, checksum: "older" })];
    expect(planMigrations(files, rows).map((migration) => migration.name)).toEqual(["2_next", "3_last"]);
  });

  it("refuses unresolved failures first, then unknown migrations, then edited ones", () => {
    expect(() => planMigrations(files, [row("9_future"), row("2_next", { finished: false })])).toThrow(FailedMigrationError);
    expect(() => planMigrations(files, [row("9_future"), row("1_init", { checksum: "edited" })])).toThrow(UnknownMigrationError);
    expect(() => planMigrations(files, [row("1_init", { checksum: "edited" })])).toThrow(MigrationChecksumMismatchError);
  });
});
