// Test support: reads a database's actual structure straight from the catalog
// (sqlite_master and pragmas, or pg_catalog), independent of Prisma.
import Database from "better-sqlite3";
import pg from "pg";
import { parseDatabaseUrl } from "../database-url.ts";
import { postgresPoolConfig } from "../postgres-connection.ts";

export type ReferentialAction = "Cascade" | "Restrict" | "NoAction" | "SetNull" | "SetDefault";

export interface IntrospectedColumn {
  /** Lower-case declared type: "text", "integer", "datetime", "timestamp(3) without time zone", ... */
  type: string;
  nullable: boolean;
  /** The default expression as the catalog stores it, or null. */
  defaultValue: string | null;
}

export interface IntrospectedIndex {
  name: string;
  columns: string[];
  unique: boolean;
}

export interface IntrospectedForeignKey {
  /** Constraint name; SQLite keeps it only in the CREATE TABLE text, where we read it from. */
  name: string | null;
  columns: string[];
  referencedTable: string;
  referencedColumns: string[];
  onDelete: ReferentialAction;
  onUpdate: ReferentialAction;
}

export interface IntrospectedTable {
  columns: Map<string, IntrospectedColumn>;
  primaryKey: string[];
  /** Indexes other than the primary key's. */
  indexes: IntrospectedIndex[];
  foreignKeys: IntrospectedForeignKey[];
}

export async function introspectDatabase(url: string): Promise<Map<string, IntrospectedTable>> {
  const target = parseDatabaseUrl(url);
  if (target.provider === "sqlite") return introspectSqlite(target.filePath);
  const client = new pg.Client(postgresPoolConfig(target));
  await client.connect();
  try {
    return await introspectPostgres(client, target.schema);
  } finally {
    await client.end();
  }
}

const sqliteActions: Record<string, ReferentialAction> = {
  CASCADE: "Cascade",
  RESTRICT: "Restrict",
  "NO ACTION": "NoAction",
  "SET NULL": "SetNull",
  "SET DEFAULT": "SetDefault",
};

function introspectSqlite(filePath: string): Map<string, IntrospectedTable> {
  const database = new Database(filePath, { readonly: true, fileMustExist: true });
  try {
    const tables = database
      .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .all() as { name: string; sql: string }[];
    const result = new Map<string, IntrospectedTable>();
    for (const { name, sql } of tables) {
      const columnRows = database.prepare("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?)").all(name) as {
        name: string;
        type: string;
        notnull: number;
        dflt_value: string | null;
        pk: number;
      }[];
      const columns = new Map(
        columnRows.map((row) => [row.name, { type: row.type.toLowerCase(), nullable: row.notnull === 0, defaultValue: row.dflt_value }]),
      );
      const primaryKey = columnRows
        .filter((row) => row.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((row) => row.name);
      const indexRows = database.prepare("SELECT name, \"unique\", origin FROM pragma_index_list(?)").all(name) as {
        name: string;
        unique: number;
        origin: string;
      }[];
      const indexes = indexRows
        .filter((row) => row.origin !== "pk")
        .map((row) => ({
          name: row.name,
          unique: row.unique === 1,
          columns: (database.prepare("SELECT name FROM pragma_index_info(?) ORDER BY seqno").all(row.name) as { name: string }[]).map(
            (column) => column.name,
          ),
        }));
      const keyRows = database.prepare("SELECT id, seq, \"table\", \"from\", \"to\", on_update, on_delete FROM pragma_foreign_key_list(?)").all(name) as {
        id: number;
        seq: number;
        table: string;
        from: string;
        to: string;
        on_update: string;
        on_delete: string;
      }[];
      const constraintNames = [...sql.matchAll(/CONSTRAINT "([^"]+)" FOREIGN KEY \(([^)]*)\)/g)].map((match) => ({
        name: match[1] ?? "",
        columns: (match[2] ?? "").split(",").map((column) => column.trim().replaceAll('"', "")),
      }));
      const keysById = new Map<number, typeof keyRows>();
      for (const row of keyRows) keysById.set(row.id, [...(keysById.get(row.id) ?? []), row]);
      const foreignKeys = [...keysById.values()].map((rows) => {
        const ordered = rows.sort((a, b) => a.seq - b.seq);
        const first = ordered[0]!;
        const keyColumns = ordered.map((row) => row.from);
        return {
          name: constraintNames.find((constraint) => constraint.columns.join() === keyColumns.join())?.name ?? null,
          columns: keyColumns,
          referencedTable: first.table,
          referencedColumns: ordered.map((row) => row.to),
          onDelete: sqliteActions[first.on_delete] ?? "NoAction",
          onUpdate: sqliteActions[first.on_update] ?? "NoAction",
        };
      });
      result.set(name, { columns, primaryKey, indexes, foreignKeys });
    }
    return result;
  } finally {
    database.close();
  }
}

const postgresActions: Record<string, ReferentialAction> = {
  c: "Cascade",
  r: "Restrict",
  a: "NoAction",
  n: "SetNull",
  d: "SetDefault",
};

async function introspectPostgres(client: pg.Client, schema: string): Promise<Map<string, IntrospectedTable>> {
  const tables = await client.query<{ name: string }>(
    "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY table_name",
    [schema],
  );
  const columns = await client.query<{ table_name: string; name: string; type: string; nullable: boolean; default_value: string | null }>(
    `SELECT c.relname AS table_name, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
            NOT a.attnotnull AS nullable, pg_get_expr(d.adbin, d.adrelid) AS default_value
     FROM pg_attribute a
     JOIN pg_class c ON c.oid = a.attrelid
     JOIN pg_namespace n ON n.oid = c.relnamespace
     LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE n.nspname = $1 AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY a.attnum`,
    [schema],
  );
  const indexes = await client.query<{ table_name: string; name: string; unique: boolean; primary: boolean; columns: string[] }>(
    `SELECT t.relname AS table_name, i.relname AS name, x.indisunique AS unique, x.indisprimary AS primary,
            array(SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY AS k(attnum, position)
                  JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.position)::text[] AS columns
     FROM pg_index x
     JOIN pg_class t ON t.oid = x.indrelid
     JOIN pg_class i ON i.oid = x.indexrelid
     JOIN pg_namespace n ON n.oid = t.relnamespace
     WHERE n.nspname = $1`,
    [schema],
  );
  const foreignKeys = await client.query<{
    table_name: string;
    name: string;
    referenced_table: string;
    columns: string[];
    referenced_columns: string[];
    on_delete: string;
    on_update: string;
  }>(
    `SELECT t.relname AS table_name, con.conname AS name, r.relname AS referenced_table,
            array(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, position)
                  JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.position)::text[] AS columns,
            array(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, position)
                  JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.position)::text[] AS referenced_columns,
            con.confdeltype AS on_delete, con.confupdtype AS on_update
     FROM pg_constraint con
     JOIN pg_class t ON t.oid = con.conrelid
     JOIN pg_class r ON r.oid = con.confrelid
     JOIN pg_namespace n ON n.oid = t.relnamespace
     WHERE n.nspname = $1 AND con.contype = 'f'`,
    [schema],
  );

  const result = new Map<string, IntrospectedTable>();
  for (const { name } of tables.rows) {
    const primary = indexes.rows.find((row) => row.table_name === name && row.primary);
    result.set(name, {
      columns: new Map(
        columns.rows
          .filter((row) => row.table_name === name)
          .map((row) => [row.name, { type: row.type.toLowerCase(), nullable: row.nullable, defaultValue: row.default_value }]),
      ),
      primaryKey: primary?.columns ?? [],
      indexes: indexes.rows
        .filter((row) => row.table_name === name && !row.primary)
        .map((row) => ({ name: row.name, columns: row.columns, unique: row.unique })),
      foreignKeys: foreignKeys.rows
        .filter((row) => row.table_name === name)
        .map((row) => ({
          name: row.name,
          columns: row.columns,
          referencedTable: row.referenced_table,
          referencedColumns: row.referenced_columns,
          onDelete: postgresActions[row.on_delete] ?? "NoAction",
          onUpdate: postgresActions[row.on_update] ?? "NoAction",
        })),
    });
  }
  return result;
}
