import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { assertSqlitePragmas, readSqlitePragmas, sqliteBusyTimeoutMs, sqliteConnectionPragmas } from "./sqlite-pragmas.ts";

type SqliteDriverAdapter = Awaited<ReturnType<PrismaBetterSqlite3["connect"]>>;
type SqliteTransaction = Awaited<ReturnType<SqliteDriverAdapter["startTransaction"]>>;

/**
 * PrismaBetterSqlite3 opens its own better-sqlite3 handle in connect() and
 * offers no hook to configure it, so this factory sets and verifies our pragmas
 * through the adapter's public interface on every connection it hands to Prisma
 * (including a reconnect after $disconnect) before any query runs on it.
 */
export class ConfiguredSqliteAdapterFactory {
  readonly provider = "sqlite";
  readonly adapterName: string;
  readonly #inner: PrismaBetterSqlite3;
  readonly #filePath: string;

  constructor(filePath: string) {
    // An absolute path: the adapter only strips `file:` and would resolve a relative one against the working directory.
    this.#inner = new PrismaBetterSqlite3({ url: filePath, timeout: sqliteBusyTimeoutMs });
    this.#filePath = filePath;
    this.adapterName = this.#inner.adapterName;
  }

  async connect(): Promise<SqliteDriverAdapter> {
    const adapter = await this.#inner.connect();
    try {
      await adapter.executeScript(sqliteConnectionPragmas);
      const pragmas = await readSqlitePragmas(async (name) => {
        const result = await adapter.queryRaw({ sql: `PRAGMA ${name}`, args: [], argTypes: [] });
        return result.rows[0]?.[0];
      });
      assertSqlitePragmas(pragmas, this.#filePath);
    } catch (error) {
      await adapter.dispose();
      throw error;
    }
    return serializeTransactions(adapter);
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
function serializeTransactions(adapter: SqliteDriverAdapter): SqliteDriverAdapter {
  const turns = new Turns();
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
