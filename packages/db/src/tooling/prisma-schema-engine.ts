// Test and tooling only (devDependencies): Prisma's own schema engine, the WASM
// build Prisma ships for driver adapters, used as the referee for our migrations
// and our runner. It needs no native binary, so it runs offline.
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import type { DiagnoseMigrationHistoryOutput, MigrationList, SchemaEngine } from "@prisma/schema-engine-wasm";
import { readdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { parseDatabaseUrl, repositoryRoot } from "../database-url.ts";
import { migrationsDirectoryFor, prismaSchemaPathFor } from "../migrations.ts";
import { postgresPoolConfig } from "../postgres-connection.ts";

export interface PrismaSchemaEngine {
  /** What `prisma migrate status` asks the engine: failed, edited and diverging migrations. */
  diagnoseMigrationHistory(): Promise<DiagnoseMigrationHistoryOutput>;
  /** Applies the migrations the way `prisma migrate deploy` does; returns the names applied. */
  applyMigrations(): Promise<string[]>;
  /**
   * The SQL that would take the live database to the Prisma schema: "-- This is an empty
   * migration." when they agree. SQLite only; the WASM engine cannot describe a PostgreSQL
   * catalog through adapter-pg ("Column type 'char' could not be deserialized").
   */
  diffDatabaseToSchema(schema?: string): Promise<string>;
  /** The SQL between two Prisma schemas of this provider, no database involved. */
  diffSchemas(from: string, to: string): Promise<string>;
  /** The live database as a Prisma schema (model and relation names are the engine's guesses). */
  introspectSchema(): Promise<string>;
  close(): Promise<void>;
}

/** What the engine writes when two schemas agree. */
export const emptyMigration = "-- This is an empty migration.\n";

// Node has WebAssembly, but our lib settings (ES2023, no DOM) do not declare it; this is the part we use.
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, object>) => { exports: Record<string, unknown> };
};

let engineClass: Promise<typeof SchemaEngine> | undefined;

/** Loads the WASM module once per process, the way @prisma/internals' loader does for the CLI. */
function loadEngineClass(): Promise<typeof SchemaEngine> {
  engineClass ??= (async () => {
    const require = createRequire(import.meta.url);
    const bindingsPath = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg");
    const bindings = await import("@prisma/schema-engine-wasm/schema_engine_bg");
    const module = new WebAssembly.Module(await readFile(join(dirname(bindingsPath), "schema_engine_bg.wasm")));
    const instance = new WebAssembly.Instance(module, { "./schema_engine_bg.js": bindings });
    bindings.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return bindings.SchemaEngine;
  })();
  return engineClass;
}

export async function openPrismaSchemaEngine(options: {
  url: string;
  migrationsDirectory?: string;
}): Promise<PrismaSchemaEngine> {
  const target = parseDatabaseUrl(options.url);
  const migrationsDirectory = options.migrationsDirectory ?? migrationsDirectoryFor(target.provider);
  const schemaPath = prismaSchemaPathFor(target.provider);
  const schema = await readFile(schemaPath, "utf8");
  const inner: SqlMigrationAwareDriverAdapterFactory =
    target.provider === "sqlite"
      ? new PrismaBetterSqlite3({ url: target.filePath })
      : new PrismaPg(postgresPoolConfig(target), { schema: target.schema });
  // Track what the engine connects so close() can release it; the engine keeps connections open.
  const opened: SqlDriverAdapter[] = [];
  const tracked: SqlMigrationAwareDriverAdapterFactory = {
    provider: inner.provider,
    adapterName: inner.adapterName,
    connect: async () => {
      const adapter = await inner.connect();
      opened.push(adapter);
      return adapter;
    },
    connectToShadowDb: () => inner.connectToShadowDb(),
  };
  const Engine = await loadEngineClass();
  const engine = await Engine.new({ datamodels: [[schemaPath, schema]] }, () => undefined, bindMigrationAwareSqlAdapterFactory(tracked));
  const filters = { externalTables: [], externalEnums: [] };
  const schemaFiles = [{ path: schemaPath, content: schema }];

  return {
    diagnoseMigrationHistory: async () =>
      engine.diagnoseMigrationHistory({
        migrationsList: await readMigrationList(migrationsDirectory),
        optInToShadowDatabase: false,
        filters,
      }),
    applyMigrations: async () => {
      const output = await engine.applyMigrations({ migrationsList: await readMigrationList(migrationsDirectory), filters });
      return output.appliedMigrationNames;
    },
    diffDatabaseToSchema: async (target = schema) => {
      const result = await engine.diff({
        from: { tag: "schemaDatasource", files: schemaFiles, configDir: repositoryRoot },
        to: { tag: "schemaDatamodel", files: [{ path: schemaPath, content: target }] },
        script: true,
        exitCode: null,
        filters,
      });
      return result.stdout ?? "";
    },
    diffSchemas: async (from, to) => {
      const result = await engine.diff({
        from: { tag: "schemaDatamodel", files: [{ path: schemaPath, content: from }] },
        to: { tag: "schemaDatamodel", files: [{ path: schemaPath, content: to }] },
        script: true,
        exitCode: null,
        filters,
      });
      return result.stdout ?? "";
    },
    introspectSchema: async () => {
      const result = await engine.introspect({
        schema: { files: schemaFiles },
        baseDirectoryPath: repositoryRoot,
        force: true,
        compositeTypeDepth: -1,
        namespaces: null,
      });
      return result.schema.files.map((file) => file.content).join("\n");
    },
    close: async () => {
      engine.free();
      await Promise.all(opened.map((adapter) => adapter.dispose()));
    },
  };
}

/** The migrations folder as the Prisma CLI hands it to the engine. */
async function readMigrationList(baseDir: string): Promise<MigrationList> {
  const entries = await readdir(baseDir, { withFileTypes: true });
  const directories = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  return {
    baseDir,
    lockfile: { path: "migration_lock.toml", content: await readFile(join(baseDir, "migration_lock.toml"), "utf8") },
    shadowDbInitScript: "",
    migrationDirectories: await Promise.all(
      directories.map(async (path) => ({
        path,
        migrationFile: {
          path: "migration.sql",
          content: { tag: "ok" as const, value: await readFile(join(baseDir, path, "migration.sql"), "utf8") },
        },
      })),
    ),
  };
}
