import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import type { Database, Statement } from "better-sqlite3";
import type { SqliteConnectionAccess } from "./sql-runner.ts";
import { assertSqlitePragmas, readSqlitePragmas, sqliteBusyTimeoutMs, sqliteConnectionPragmas } from "./sqlite-pragmas.ts";

type SqliteDriverAdapter = Awaited<ReturnType<PrismaBetterSqlite3["connect"]>>;
type SqliteTransaction = Awaited<ReturnType<SqliteDriverAdapter["startTransaction"]>>;

/**
 * PrismaBetterSqlite3 opens its own better-sqlite3 handle in connect() and
 * offers no hook to configure it, so this factory sets and verifies our pragmas
 * through the adapter's public interface on every connection it hands to Prisma
 * (including a reconnect after $disconnect) before any query runs on it.
 */
export class ConfiguredSqliteAdapterFactory implements SqliteConnectionAccess {
  readonly provider = "sqlite";
  readonly adapterName: string;
  readonly #inner: PrismaBetterSqlite3;
  readonly #filePath: string;
  /** The connection Prisma uses now, for `sql-runner.ts`: its statement compiler and its transaction lock. */
  #live: ReturnType<SqliteConnectionAccess["connection"]> | null = null;

  constructor(filePath: string) {
    // An absolute path: the adapter only strips `file:` and would resolve a relative one against the working directory.
    this.#inner = new PrismaBetterSqlite3({ url: filePath, timeout: sqliteBusyTimeoutMs });
    this.#filePath = filePath;
    this.adapterName = this.#inner.adapterName;
  }

  async connect(): Promise<SqliteDriverAdapter> {
    const adapter = await this.#inner.connect();
    let compile: (sql: string) => Statement<unknown[]>;
    try {
      await adapter.executeScript(sqliteConnectionPragmas);
      const pragmas = await readSqlitePragmas(async (name) => {
        const result = await adapter.queryRaw({ sql: `PRAGMA ${name}`, args: [], argTypes: [] });
        return result.rows[0]?.[0];
      });
      assertSqlitePragmas(pragmas, this.#filePath);
      compile = reuseStatements(adapter);
    } catch (error) {
      await adapter.dispose();
      throw error;
    }
    const turns = new Turns();
    this.#live = { compile, run: (work) => turns.run(async () => work()) };
    return serializeTransactions(adapter, turns);
  }

  connection(): ReturnType<SqliteConnectionAccess["connection"]> {
    if (!this.#live) throw new Error("The SQLite connection is not open yet.");
    return this.#live;
  }

  connectToShadowDb(): Promise<SqliteDriverAdapter> {
    return this.#inner.connectToShadowDb();
  }
}

/**
 * The adapter runs everything on one connection and only queues transactions
 * behind each other: a query made outside an open interactive transaction runs
 * inside it, sees its uncommitted rows, and is undone if it rolls back. So
 * queries outside a transaction wait for it to finish here, as they would for
 * a write lock. Code inside `$transaction` must use its `tx` client: a query on
 * the outer client waits for the transaction and so times it out.
 */
function serializeTransactions(adapter: SqliteDriverAdapter, turns: Turns): SqliteDriverAdapter {
  return {
    provider: adapter.provider,
    adapterName: adapter.adapterName,
    queryRaw: (query) => turns.run(() => adapter.queryRaw(query)),
    executeRaw: (query) => turns.run(() => adapter.executeRaw(query)),
    executeScript: (script) => turns.run(() => adapter.executeScript(script)),
    startTransaction: async (isolationLevel) => {
      const release = await turns.take();
      try {
        return releasingOnEnd(await adapter.startTransaction(isolationLevel), release);
      } catch (error) {
        release();
        throw error;
      }
    },
    ...(adapter.getConnectionInfo ? { getConnectionInfo: () => adapter.getConnectionInfo!() } : {}),
    dispose: () => adapter.dispose(),
  };
}

function releasingOnEnd(transaction: SqliteTransaction, release: () => void): SqliteTransaction {
  const ending = async (end: () => Promise<void>) => {
    try {
      await end();
    } finally {
      release();
    }
  };
  return {
    provider: transaction.provider,
    adapterName: transaction.adapterName,
    options: transaction.options,
    queryRaw: (query) => transaction.queryRaw(query),
    executeRaw: (query) => transaction.executeRaw(query),
    commit: () => ending(() => transaction.commit()),
    rollback: () => ending(() => transaction.rollback()),
    ...(transaction.createSavepoint ? { createSavepoint: (name: string) => transaction.createSavepoint!(name) } : {}),
    ...(transaction.rollbackToSavepoint ? { rollbackToSavepoint: (name: string) => transaction.rollbackToSavepoint!(name) } : {}),
    ...(transaction.releaseSavepoint ? { releaseSavepoint: (name: string) => transaction.releaseSavepoint!(name) } : {}),
  };
}

/** Statements kept compiled per connection: Prisma sends the same few dozen SQL texts, each a parameterized query. */
export const sqliteStatementCacheSize = 500;

/**
 * The adapter compiles every query afresh (`client.prepare(sql).bind(args)`): about a sixth of
 * the server's CPU on a busy chat. This keeps each SQL text's compiled statement and hands the
 * adapter a fresh binding of it each time. It relies on how the adapter uses its better-sqlite3
 * handle (`client.prepare(sql).bind(args)`, then `reader`, `run()`, `columns()`, `raw().all()`),
 * which `sqlite-adapter.test.ts` pins: an adapter upgrade that changes it fails there.
 */
function reuseStatements(adapter: object): (sql: string) => Statement<unknown[]> {
  const client = (adapter as { client?: Database }).client;
  if (!client || typeof client.prepare !== "function") throw new Error("The SQLite adapter no longer exposes its connection: statement reuse needs updating.");
  const compile = client.prepare.bind(client);
  const compiled = new Map<string, Statement<unknown[]>>();
  const cached = (sql: string): Statement<unknown[]> => {
    let statement = compiled.get(sql);
    if (statement) {
      // Least recently used goes first: re-insert to move it to the end.
      compiled.delete(sql);
    } else {
      statement = compile(sql) as Statement<unknown[]>;
      if (compiled.size >= sqliteStatementCacheSize) compiled.delete(compiled.keys().next().value!);
    }
    compiled.set(sql, statement);
    return statement;
  };
  client.prepare = ((sql: string) => new ReusableStatement(cached(sql))) as unknown as Database["prepare"];
  return (sql) => compile(sql) as Statement<unknown[]>;
}

/** What the adapter calls on a prepared statement, over a shared compiled one; `bind` binds this use only. */
class ReusableStatement {
  #arguments: unknown[] = [];

  constructor(private readonly statement: Statement<unknown[]>) {}

  get reader(): boolean {
    return this.statement.reader;
  }

  bind(values: unknown[]): this {
    this.#arguments = values;
    return this;
  }

  run(): ReturnType<Statement["run"]> {
    return this.statement.run(...this.#arguments);
  }

  columns(): ReturnType<Statement["columns"]> {
    return this.statement.columns();
  }

  raw(): { all(): unknown[] } {
    const statement = this.statement.raw(true);
    return { all: () => statement.all(...this.#arguments) };
  }
}

/** A first-come, first-served lock: take() resolves with a release function once every earlier holder has released. */
class Turns {
  #last: Promise<void> = Promise.resolve();

  take(): Promise<() => void> {
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const previous = this.#last;
    this.#last = previous.then(() => released);
    return previous.then(() => release);
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    const release = await this.take();
    try {
      return await work();
    } finally {
      release();
    }
  }
}
