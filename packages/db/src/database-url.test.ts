import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultDatabaseUrl, describeDatabaseTarget, parseDatabaseUrl, repositoryRoot, resolveDatabaseUrl } from "./database-url.ts";
import { UnsupportedDatabaseUrlError } from "./errors/unsupported-database-url-error.ts";
import { postgresPoolConfig } from "./postgres-connection.ts";

describe("resolveDatabaseUrl", () => {
  it("defaults to data/recall.db at the repository root", () => {
    expect(resolveDatabaseUrl(undefined)).toBe(`file:${repositoryRoot}/data/recall.db`);
    expect(resolveDatabaseUrl("  ")).toBe(defaultDatabaseUrl());
    expect(existsSync(join(repositoryRoot, "prisma", "schema.prisma"))).toBe(true);
  });

  it("keeps a configured URL", () => {
    expect(resolveDatabaseUrl("postgresql://db/recall")).toBe("postgresql://db/recall");
  });
});

describe("parseDatabaseUrl", () => {
  it("reads file: URLs and plain paths as SQLite, resolving relative paths against the given root", () => {
    expect(parseDatabaseUrl("file:./data/recall.db", "/srv/recall")).toEqual({ provider: "sqlite", filePath: "/srv/recall/data/recall.db" });
    expect(parseDatabaseUrl("file:/var/lib/recall.db")).toEqual({ provider: "sqlite", filePath: "/var/lib/recall.db" });
    expect(parseDatabaseUrl("file:///var/lib/recall%20db.db")).toEqual({ provider: "sqlite", filePath: "/var/lib/recall db.db" });
    expect(parseDatabaseUrl("data/recall.db", "/srv/recall")).toEqual({ provider: "sqlite", filePath: "/srv/recall/data/recall.db" });
    expect(parseDatabaseUrl("file:dev.db?connection_limit=1", "/srv")).toEqual({ provider: "sqlite", filePath: "/srv/dev.db" });
  });

  it("reads postgres:// and postgresql:// URLs, taking Prisma's schema parameter out", () => {
    expect(parseDatabaseUrl("postgresql://recall:secret@db:5432/recall?schema=chat&sslmode=require")).toEqual({
      provider: "postgresql",
      connectionString: "postgresql://recall:secret@db:5432/recall?sslmode=require",
      schema: "chat",
    });
    expect(parseDatabaseUrl("postgres://db/recall")).toMatchObject({ provider: "postgresql", schema: "public" });
  });

  it("refuses other databases, in-memory SQLite and unsafe schema names", () => {
    expect(() => parseDatabaseUrl("mysql://db/recall")).toThrow(UnsupportedDatabaseUrlError);
    expect(() => parseDatabaseUrl("file::memory:")).toThrow(/WAL/);
    expect(() => parseDatabaseUrl("")).toThrow(UnsupportedDatabaseUrlError);
    expect(() => parseDatabaseUrl('postgresql://db/recall?schema=a";drop')).toThrow(/schema/);
  });
});

describe("describeDatabaseTarget", () => {
  it("leaves credentials out", () => {
    const description = describeDatabaseTarget(parseDatabaseUrl("postgresql://recall:secret@db:5432/recall?schema=chat"));
    expect(description).toBe("PostgreSQL db:5432/recall (schema chat)");
  });
});

describe("postgresPoolConfig", () => {
  it("points search_path at the schema and the session at UTC, keeping the URL's own options", () => {
    const target = parseDatabaseUrl("postgresql://db/recall?schema=chat&options=-c%20statement_timeout%3D5000");
    if (target.provider !== "postgresql") throw new Error("expected PostgreSQL");
    expect(postgresPoolConfig(target)).toEqual({
      connectionString: "postgresql://db/recall",
      options: '-c statement_timeout=5000 -c search_path="chat" -c TimeZone=UTC',
      connectionTimeoutMillis: 5000,
      keepAlive: true,
    });
  });
});
