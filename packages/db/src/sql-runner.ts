import { createHash } from "node:crypto";
import type { Statement } from "better-sqlite3";
import type pg from "pg";

/** What a parameter may be. Dates are stored as Prisma stores them (ISO text on SQLite, UTC `timestamp(3)` on PostgreSQL). */
export type SqlValue = string | number | null | Date;

export interface SqlStatement {
  sql: string;
  args: readonly SqlValue[];
}

/**
 * Plain SQL for the few statements every reply runs (`apps/server/src/chat/saved-chat-store.ts`):
 * a Prisma model query costs far more in the client than in the database. One dialect for
 * both providers: `?` placeholders and double-quoted identifiers. Rows come back as objects;
 * a DateTime column is an ISO string on SQLite and a Date on PostgreSQL (`sqlDate` reads both).
 */
export interface SqlRunner {
  query<Row extends object>(sql: string, args?: readonly SqlValue[]): Promise<Row[]>;
  /** Rows changed. */
  execute(sql: string, args?: readonly SqlValue[]): Promise<number>;
  /** Statements in one transaction, in order, all or none; rows changed by each. */
  transaction(statements: readonly SqlStatement[]): Promise<number[]>;
}

/** A DateTime column as a Date, from either provider. */
export function sqlDate(value: unknown): Date {
  return value instanceof Date ? value : new Date(String(value));
}

/** The live SQLite connection Prisma uses, and the lock that keeps statements out of its transactions. */
export interface SqliteConnectionAccess {
  connection(): { compile: (sql: string) => Statement<unknown[]>; run<T>(work: () => T): Promise<T> };
}

function sqliteValue(value: SqlValue): string | number | null {
  return value instanceof Date ? value.toISOString() : value;
}

/** On the same connection as Prisma (one writer for the file), waiting for its transactions like its own queries do. */
export function sqliteSqlRunner(access: SqliteConnectionAccess): SqlRunner {
  const statements = new Map<string, Statement<unknown[]>>();
  let compiledFor: unknown = null;
  const statement = (sql: string): Statement<unknown[]> => {
    const { compile } = access.connection();
    // A reconnect (after $disconnect) brings a new handle: its statements are compiled anew.
    if (compiledFor !== compile) {
      statements.clear();
      compiledFor = compile;
    }
    let compiled = statements.get(sql);
    if (!compiled) {
      // Prisma's connection reads integers as BigInt; these rows are plain numbers (JSON-safe).
      compiled = compile(sql).safeIntegers(false);
      statements.set(sql, compiled);
    }
    return compiled;
  };
  return {
    query: <Row extends object>(sql: string, args: readonly SqlValue[] = []) => access.connection().run(() => statement(sql).all(...args.map(sqliteValue)) as Row[]),
    execute: (sql, args = []) => access.connection().run(() => statement(sql).run(...args.map(sqliteValue)).changes),
    transaction: (list) =>
      access.connection().run(() => {
        const begin = statement("BEGIN");
        begin.run();
        try {
          const changes = list.map(({ sql, args }) => statement(sql).run(...args.map(sqliteValue)).changes);
          statement("COMMIT").run();
          return changes;
        } catch (error) {
          statement("ROLLBACK").run();
          throw error;
        }
      }),
  };
}

/** `?` → `$1`, `$2`, … (the statements here have no `?` inside string literals). */
function numberedPlaceholders(sql: string): string {
  let index = 0;
  return sql.replace(/\?/g, () => `$${++index}`);
}

/** UTC without an offset: the columns are `timestamp(3)` without time zone, written in UTC as Prisma does. */
function postgresValue(value: SqlValue): string | number | null {
  return value instanceof Date ? value.toISOString().replace("T", " ").replace("Z", "") : value;
}

const timestampWithoutTimeZone = 1114;

/** On Prisma's own pool; prepared once per connection (named statements), timestamps read as UTC. */
export function postgresSqlRunner(pool: pg.Pool, types: typeof pg.types): SqlRunner {
  const prepared = new Map<string, { name: string; text: string }>();
  const queryTypes = {
    getTypeParser: (oid: number, format?: "text" | "binary") =>
      oid === timestampWithoutTimeZone ? (value: string) => new Date(`${value.replace(" ", "T")}Z`) : types.getTypeParser(oid, format),
  };
  const config = (sql: string, args: readonly SqlValue[]) => {
    let entry = prepared.get(sql);
    if (!entry) {
      entry = { name: `recall_${createHash("sha1").update(sql).digest("hex").slice(0, 16)}`, text: numberedPlaceholders(sql) };
      prepared.set(sql, entry);
    }
    return { ...entry, values: args.map(postgresValue), types: queryTypes };
  };
  return {
    async query<Row extends object>(sql: string, args: readonly SqlValue[] = []) {
      return (await pool.query(config(sql, args))).rows as Row[];
    },
    async execute(sql, args = []) {
      return (await pool.query(config(sql, args))).rowCount ?? 0;
    },
    async transaction(list) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const changes: number[] = [];
        for (const { sql, args } of list) changes.push((await client.query(config(sql, args))).rowCount ?? 0);
        await client.query("COMMIT");
        return changes;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
  };
}

/** A write refused by a foreign key: Prisma's P2003, better-sqlite3's and pg's own codes alike. */
export function isForeignKeyViolation(error: unknown): boolean {
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  return code === "P2003" || code === "SQLITE_CONSTRAINT_FOREIGNKEY" || code === "23503";
}
