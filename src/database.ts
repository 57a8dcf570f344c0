import { drizzle, type MySql2Database } from 'drizzle-orm/mysql2';
import mysql, { type ConnectionOptions, type PoolOptions } from 'mysql2/promise';
import * as schema from '../db/schema/index.js';

/** A drizzle handle over the helpdesk schema: a pool, a single connection or a transaction. */
export type Db = MySql2Database<typeof schema>;
/** What `db.transaction(fn)` hands to `fn`. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
/** Anything that can run queries: the base handle or an open transaction. */
export type Queryable = Db | Tx;

/**
 * How the app reaches the database. On Node it is one shared pool; on Workers it opens a connection
 * per `use` call (Workers forbid sharing a socket across requests).
 */
export interface Database {
  /** Runs `fn` with a handle that stays valid until `fn` settles. */
  use<T>(fn: (db: Db) => Promise<T>): Promise<T>;
  /** Resolves when the server answers `SELECT 1` within `timeoutMs`; rejects otherwise. */
  ping(timeoutMs?: number): Promise<void>;
  /** Closes the pool (Node) — in-flight queries finish first. */
  close(): Promise<void>;
}

/** Options every connection shares: UTC, real Date objects, utf8mb4. */
export const CONNECTION_DEFAULTS = {
  timezone: 'Z',
  charset: 'utf8mb4_unicode_ci',
  supportBigNumbers: true,
  connectTimeout: 3000,
  // mysql2 otherwise captures a stack trace on every query (3 % of a request's CPU); drizzle's own error
  // already says which query failed.
  trace: false,
} satisfies ConnectionOptions;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`database did not answer within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

/** Normalises `mariadb://` to what mysql2 accepts. */
export function connectionUri(url: string): string {
  return url.replace(/^mariadb:/, 'mysql:');
}

/** How long the Node pool lets a request wait on the database before it answers 503 (see README). */
export interface PoolLimits {
  /** Connections in the pool. */
  connectionLimit: number;
  /** Longest wait for a free connection, in ms (mysql2 has no acquire timeout of its own). */
  acquireTimeoutMs: number;
  /** Longest wait for one query's answer, in ms; the connection is destroyed when it runs out. */
  queryTimeoutMs: number;
  /** Requests that may wait for a connection at once; more are refused at once (503). */
  queueLimit: number;
}

export const DEFAULT_POOL_LIMITS: PoolLimits = {
  connectionLimit: 10,
  acquireTimeoutMs: 3000,
  queryTimeoutMs: 5000,
  queueLimit: 200,
};

/**
 * Raised when the pool cannot give a request a connection in time, or its wait queue is full. Its `code`
 * is one `isDatabaseUnavailable` knows, so the request gets 503 + Retry-After rather than hanging.
 */
export class DatabaseBusyError extends Error {
  constructor(
    readonly code: 'DB_ACQUIRE_TIMEOUT' | 'DB_QUEUE_FULL' | 'DB_POOL_CLOSED',
    message: string,
  ) {
    super(message);
    this.name = 'DatabaseBusyError';
  }
}

type QueryArgs = [query: unknown, values?: unknown];
/** The part of a mysql2 (promise) connection drizzle uses. */
interface DriverConnection {
  query(...args: QueryArgs): Promise<unknown>;
  execute(...args: QueryArgs): Promise<unknown>;
  release(): void;
  destroy(): void;
  connection: unknown;
}

/** Adds mysql2's per-query `timeout` to a query given as a string or as an options object. */
function timed(query: unknown, timeoutMs: number): unknown {
  if (typeof query === 'string') return { sql: query, timeout: timeoutMs };
  if (query && typeof query === 'object') return { ...(query as object), timeout: timeoutMs };
  return query;
}

/** A query that timed out or broke the connection leaves it unusable: it must never go back to the pool. */
function brokeConnection(err: unknown): boolean {
  const e = err as { code?: unknown; fatal?: unknown } | null;
  return !!e && (e.code === 'PROTOCOL_SEQUENCE_TIMEOUT' || e.fatal === true);
}

/**
 * Wraps a mysql2 pool so that no request waits on the database for long: acquiring a connection is
 * bounded (the pool's queue too), every query carries a timeout, and a connection whose query timed out
 * is destroyed, not reused (its late answer would otherwise confuse the next query). Drizzle sees an
 * ordinary pool (`query`, `execute`, `getConnection`).
 */
function guardedPool(pool: mysql.Pool, limits: PoolLimits) {
  const acquire = (): Promise<DriverConnection> =>
    new Promise((resolve, reject) => {
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        reject(
          new DatabaseBusyError(
            'DB_ACQUIRE_TIMEOUT',
            `no database connection became free within ${limits.acquireTimeoutMs} ms`,
          ),
        );
      }, limits.acquireTimeoutMs);
      pool.getConnection().then(
        (conn) => {
          clearTimeout(timer);
          // Handed over after we gave up: nobody will use it, so it goes straight back.
          if (timedOut) conn.release();
          else resolve(conn as unknown as DriverConnection);
        },
        (err: unknown) => {
          clearTimeout(timer);
          const message = err instanceof Error ? err.message : String(err);
          if (message === 'Queue limit reached.')
            reject(new DatabaseBusyError('DB_QUEUE_FULL', 'too many requests are waiting for the database'));
          else if (message === 'Pool is closed.')
            reject(new DatabaseBusyError('DB_POOL_CLOSED', 'the database pool is closed (shutting down)'));
          else reject(err);
        },
      );
    });

  const run = async (
    conn: DriverConnection,
    method: 'query' | 'execute',
    args: QueryArgs,
    state: { broken: boolean },
  ) => {
    try {
      return await conn[method](timed(args[0], limits.queryTimeoutMs), args[1]);
    } catch (err) {
      if (!state.broken && brokeConnection(err)) {
        state.broken = true;
        conn.destroy();
      }
      throw err;
    }
  };

  const oneShot = (method: 'query' | 'execute') => async (query: unknown, values?: unknown) => {
    const conn = await acquire();
    const state = { broken: false };
    try {
      return await run(conn, method, [query, values], state);
    } finally {
      if (!state.broken) conn.release();
    }
  };

  return {
    query: oneShot('query'),
    execute: oneShot('execute'),
    /** A connection for a transaction; drizzle releases it when the transaction ends. */
    async getConnection() {
      const conn = await acquire();
      const state = { broken: false };
      return {
        query: (query: unknown, values?: unknown) => run(conn, 'query', [query, values], state),
        execute: (query: unknown, values?: unknown) => run(conn, 'execute', [query, values], state),
        release: () => {
          if (!state.broken) conn.release();
        },
        connection: conn.connection,
      };
    },
  };
}

/** The Node database: one mysql2 pool. Connections are created lazily, so this does no I/O. */
export function createPoolDatabase(
  url: string,
  opts: Partial<PoolOptions> = {},
  limits: Partial<PoolLimits> = {},
): Database {
  const l: PoolLimits = { ...DEFAULT_POOL_LIMITS, ...limits };
  if (opts.connectionLimit !== undefined && limits.connectionLimit === undefined)
    l.connectionLimit = opts.connectionLimit;
  const pool = mysql.createPool({
    uri: connectionUri(url),
    ...CONNECTION_DEFAULTS,
    connectionLimit: l.connectionLimit,
    maxIdle: l.connectionLimit,
    idleTimeout: 60_000,
    enableKeepAlive: true,
    queueLimit: l.queueLimit,
    ...opts,
  });
  // The guarded pool has the same shape drizzle uses; the cast only widens what TypeScript knows.
  const client = guardedPool(pool, l) as unknown as mysql.Pool;
  const db = drizzle({ client, schema, mode: 'default' });
  return {
    use: (fn) => fn(db),
    ping: async (timeoutMs = 2000) => {
      await withTimeout(client.query('SELECT 1'), timeoutMs);
    },
    close: () => pool.end(),
  };
}

/**
 * A database that opens one connection per `use` call and closes it afterwards (Workers, with the
 * connection details coming from a Hyperdrive binding). mysql2 must not use `eval` there.
 */
export function createPerCallDatabase(options: ConnectionOptions): Database {
  const open = () => mysql.createConnection({ ...CONNECTION_DEFAULTS, ...options, disableEval: true });
  return {
    use: async (fn) => {
      const conn = await open();
      try {
        return await fn(drizzle({ client: conn, schema, mode: 'default' }));
      } finally {
        await conn.end().catch(() => conn.destroy());
      }
    },
    ping: async (timeoutMs = 2000) => {
      await withTimeout(
        (async () => {
          const conn = await open();
          try {
            await conn.query('SELECT 1');
          } finally {
            await conn.end().catch(() => conn.destroy());
          }
        })(),
        timeoutMs,
      );
    },
    close: async () => {},
  };
}

const preparedCache = new WeakMap<object, Map<unknown, unknown>>();

/**
 * A drizzle prepared query (SQL built once, with `sql.placeholder`s) for this handle, built on first
 * use. The hot read paths use it: building a query with drizzle's builder costs more CPU than the
 * database spends answering it. On Workers each request has its own handle, so it is built per request.
 */
export function prepared<T>(db: Queryable, build: (db: Queryable) => T): T {
  let cache = preparedCache.get(db);
  if (!cache) {
    cache = new Map();
    preparedCache.set(db, cache);
  }
  let query = cache.get(build) as T | undefined;
  if (query === undefined) {
    query = build(db);
    cache.set(build, query);
  }
  return query;
}

/** MySQL/MariaDB error numbers we map to domain errors (names differ between the two; numbers do not). */
export const ER = {
  DUP_ENTRY: 1062,
  NO_REFERENCED_ROW: 1452,
  ROW_IS_REFERENCED: 1451,
  CHECK_CONSTRAINT_MYSQL: 3819,
  CHECK_CONSTRAINT_MARIADB: 4025,
  LOCK_DEADLOCK: 1213,
  LOCK_WAIT_TIMEOUT: 1205,
} as const;

/** The server's error number of a thrown database error (drizzle wraps driver errors in `cause`). */
export function dbErrno(err: unknown): number | undefined {
  for (const e of causeChain(err)) {
    if (typeof e.errno === 'number') return e.errno;
  }
  return undefined;
}

/** An error and its `cause`s, outermost first (drizzle wraps the driver's error; a few levels suffice). */
function* causeChain(err: unknown): Generator<{ errno?: unknown; code?: unknown; fatal?: unknown }> {
  for (
    let e: unknown = err, i = 0;
    e && typeof e === 'object' && i < 4;
    e = (e as { cause?: unknown }).cause, i++
  ) {
    yield e as { errno?: unknown; code?: unknown; fatal?: unknown };
  }
}

/**
 * Runs a transaction, again (up to `attempts` times in all) when the server picked it as a deadlock
 * victim: InnoDB rolled it back whole, so trying again is safe. `fn` must not have side effects outside
 * the database.
 */
export async function retryOnDeadlock<T>(fn: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!(dbErrno(err) === ER.LOCK_DEADLOCK || staleEventNumber(err)) || attempt >= attempts) throw err;
    }
  }
}

/**
 * A ticket event numbered from a stale maximum: the transaction read something before it queued on the
 * ticket's row lock, so its REPEATABLE READ snapshot predates the writer it waited for. The unique
 * `(ticket_id, public_seq)` key refused it; run again, with a fresh snapshot, it numbers correctly. (Ticket
 * writes take their row lock first where they can; this covers a path that must read before, such as an
 * inbound mail finding its sender.)
 */
function staleEventNumber(err: unknown): boolean {
  for (const e of causeChain(err)) {
    if (e.errno === ER.DUP_ENTRY) {
      return String((e as { message?: unknown }).message ?? '').includes('ticket_events_public_seq_unique');
    }
  }
  return false;
}

/** Reads `affectedRows` from the result of a drizzle mysql2 update/delete. */
export function affectedRows(result: unknown): number {
  const header = Array.isArray(result) ? result[0] : result;
  return (header as { affectedRows?: number } | undefined)?.affectedRows ?? 0;
}

/** The id of the row an insert just created. */
export function insertId(result: unknown): number {
  const header = Array.isArray(result) ? result[0] : result;
  return Number((header as { insertId?: number | string } | undefined)?.insertId ?? 0);
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'DB_ACQUIRE_TIMEOUT',
  'DB_QUEUE_FULL',
  'DB_POOL_CLOSED',
]);

/**
 * True when an error means "the database cannot be reached right now" (→ 503), not a bad query. mysql2
 * marks every error that breaks the connection `fatal`; some carry no `code`, e.g. the "Can't add new
 * command when connection is in closed state" that drizzle's ROLLBACK gets on a connection that died
 * mid-transaction, which replaces the original connection-lost error.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (const e of causeChain(err)) {
    if (typeof e.code === 'string' && UNREACHABLE_CODES.has(e.code)) return true;
    if (e.errno === 1040) return true;
    if (e.fatal === true) return true;
  }
  return false;
}
