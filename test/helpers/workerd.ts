import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Miniflare } from 'miniflare';
import mysql from 'mysql2/promise';
import { unstable_getMiniflareWorkerOptions } from 'wrangler';
import type { Database } from '../../src/database.js';
import { systemClock } from '../../src/deps.js';
import { enqueue } from '../../src/modules/notifications/outbox.js';
import { serverUrl } from './database.js';
import { ensureWorkerAssets, root, workerBundle } from './worker-bundle.js';

// Runs the Worker bundle in workerd (Miniflare) with the compatibility date, flags and vars of
// wrangler.toml, and a Hyperdrive binding to a test database through a database user of its own, so
// the Worker's connections can be told apart from everyone else's on the shared test server.

// wrangler's config reader runs in this process: keep it offline, as the build script does.
Object.assign(process.env, { CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false' });

/**
 * What `mf.getWorker()` returns, as far as the tests use it. Miniflare's published typings for it need
 * @cloudflare/workers-types and zod 3, which this project does not install.
 */
export interface WorkerStub {
  fetch(url: string, init?: RequestInit): Promise<Response>;
  scheduled(options: { cron: string }): Promise<{ outcome: string; noRetry: boolean }>;
}

export interface Workerd {
  mf: Miniflare;
  /** The MySQL user the Hyperdrive binding connects as (only the Worker uses it). */
  dbUser: string;
  worker(name?: string): Promise<WorkerStub>;
  /** Everything workerd printed (the Worker's console). */
  output(): string;
  /** The Worker's structured log entries (one JSON object per console line). */
  logEntries(): Record<string, unknown>[];
  dispose(): Promise<void>;
}

/** wrangler.toml's compatibility date and flags, and the names of its R2 bindings. */
export function wranglerOptions(): {
  compatibilityDate?: string;
  compatibilityFlags?: string[];
  r2Buckets: string[];
} {
  ensureWorkerAssets();
  const { workerOptions } = unstable_getMiniflareWorkerOptions(join(root, 'wrangler.toml'));
  const r2 = workerOptions.r2Buckets ?? {};
  return {
    compatibilityDate: workerOptions.compatibilityDate,
    compatibilityFlags: workerOptions.compatibilityFlags,
    r2Buckets: Array.isArray(r2) ? r2.map(String) : Object.keys(r2),
  };
}

/** The `[vars]` of wrangler.toml: what a deployed Worker gets besides its secrets. */
export function wranglerVars(): Record<string, string> {
  ensureWorkerAssets();
  const { workerOptions } = unstable_getMiniflareWorkerOptions(join(root, 'wrangler.toml'));
  const vars: Record<string, string> = {};
  for (const [k, v] of Object.entries(workerOptions.bindings ?? {})) vars[k] = String(v);
  return vars;
}

/** Miniflare's Hyperdrive insists on a user and a password; the test server's root has no password. */
async function createDatabaseUser(database: string): Promise<{ user: string; password: string }> {
  const user = `w_${randomBytes(5).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  const admin = await mysql.createConnection({ uri: serverUrl() });
  try {
    await admin.query(`CREATE USER ?@'%' IDENTIFIED BY ?`, [user, password]);
    await admin.query(`GRANT ALL PRIVILEGES ON \`${database}\`.* TO ?@'%'`, [user]);
  } finally {
    await admin.end();
  }
  return { user, password };
}

/**
 * Starts workerd with one or more Workers running the bundle, each with wrangler.toml's vars plus the
 * given bindings (the secrets `wrangler secret put` would provide), all bound to `databaseName`.
 */
export async function startWorkerd(opts: {
  databaseName: string;
  workers: { name: string; bindings: Record<string, string> }[];
}): Promise<Workerd> {
  const outdir = await workerBundle();
  const { user, password } = await createDatabaseUser(opts.databaseName);
  const hyperdriveUrl = new URL(serverUrl(opts.databaseName));
  hyperdriveUrl.username = user;
  hyperdriveUrl.password = password;

  const { compatibilityDate, compatibilityFlags, r2Buckets } = wranglerOptions();
  const vars = wranglerVars();
  let output = '';
  const mf = withGuardedProxySockets(
    () =>
      new Miniflare({
        // /cdn-cgi/handler/email and /cdn-cgi/handler/scheduled: how the parity suite drives email().
        unsafeTriggerHandlers: true,
        handleRuntimeStdio(out: Readable, err: Readable) {
          for (const stream of [out, err]) {
            stream.on('data', (chunk: Buffer) => {
              output += chunk.toString();
            });
          }
        },
        workers: opts.workers.map((w) => ({
          name: w.name,
          modules: true,
          modulesRoot: outdir,
          scriptPath: join(outdir, 'worker.js'),
          compatibilityDate,
          compatibilityFlags,
          hyperdrives: { HYPERDRIVE: hyperdriveUrl.toString() },
          // wrangler.toml [[r2_buckets]] (ATTACHMENTS), in Miniflare's in-memory R2.
          r2Buckets: r2Buckets,
          // wrangler.toml [assets]: the ASSETS binding, the Worker first for every path (run_worker_first).
          assets: {
            directory: join(outdir, 'assets'),
            binding: 'ASSETS',
            routerConfig: { has_user_worker: true, invoke_user_worker_ahead_of_assets: true },
          },
          bindings: { ...vars, ...w.bindings },
        })),
      }),
  );
  try {
    await withGuardedProxySockets(() => mf.ready);
  } catch (err) {
    await dropDatabaseUser(user);
    throw new Error(`workerd did not start: ${String(err)}\n${output}`);
  }
  return {
    mf,
    dbUser: user,
    worker: async (name = opts.workers[0]!.name) => (await mf.getWorker(name)) as unknown as WorkerStub,
    output: () => output,
    logEntries: () =>
      output
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    async dispose() {
      try {
        // Let work handed to ctx.waitUntil (post-request drains) finish first: killing workerd under an
        // open database connection resets the socket of Miniflare's Hyperdrive proxy in this process.
        await idle(user);
        await mf.dispose();
      } finally {
        await dropDatabaseUser(user);
      }
    },
  };
}

async function dropDatabaseUser(user: string): Promise<void> {
  const admin = await mysql.createConnection({ uri: serverUrl() });
  await admin.query(`DROP USER IF EXISTS ?@'%'`, [user]).finally(() => admin.end());
}

/** Waits until `user` holds no server connection (each Worker invocation closes its own). */
export async function idle(user: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await connectionsOf(user)) > 0) {
    if (Date.now() > deadline)
      throw new Error(`${user} still holds database connections after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The number of server connections `user` holds right now. */
export async function connectionsOf(user: string): Promise<number> {
  const admin = await mysql.createConnection({ uri: serverUrl() });
  try {
    const [rows] = await admin.query(
      'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = ?',
      [user],
    );
    return Number((rows as { n: number | string }[])[0]?.n ?? 0);
  } finally {
    await admin.end();
  }
}

/**
 * Queues one password-reset email to a fresh address (`<prefix>-<hex>@example.test`) in `database`: what
 * the Worker tests hand to the cron handler to deliver. Returns the recipient.
 */
export async function queueResetEmail(database: Database, prefix: string): Promise<string> {
  const recipient = `${prefix}-${randomBytes(4).toString('hex')}@example.test`;
  await database.use((db) =>
    enqueue(db, systemClock, 'helpdesk.example.com', [
      {
        event: 'auth.password_reset',
        template: 'password_reset',
        to: { email: recipient },
        payload: {
          recipient: { name: 'Cron Tester' },
          token: 'tok-123456',
          expiresInMinutes: 30,
          resetTokenUrl: 'https://helpdesk.example.com/reset-password?token=x',
          resetPageUrl: 'https://helpdesk.example.com/reset-password',
        },
      },
    ]),
  );
  return recipient;
}

/**
 * Miniflare's local Hyperdrive is a TCP proxy in this process that pipes workerd's socket to the database
 * with no 'error' listener on either socket, so a reset on one side (workerd dropping a connection while a
 * Worker is torn down, the server closing an idle one) is an uncaught ECONNRESET that fails the whole test
 * run. While Miniflare builds its proxies, servers it creates get a connection listener that gives each
 * accepted socket, and the database socket opened for it, a listener that closes the other side instead.
 */
function withGuardedProxySockets<T>(start: () => T): T {
  const createServer = net.createServer;
  const guarded = ((...args: unknown[]) => {
    const listener = args.find((a): a is (socket: net.Socket) => void => typeof a === 'function');
    if (!listener) return (createServer as (...a: unknown[]) => net.Server)(...args);
    const wrapped = (client: net.Socket) => {
      const connect = net.connect;
      let upstream: net.Socket | undefined;
      net.connect = ((...a: Parameters<typeof net.connect>) => {
        upstream = connect(...a);
        return upstream;
      }) as typeof net.connect;
      try {
        listener(client);
      } finally {
        net.connect = connect;
      }
      client.on('error', () => upstream?.destroy());
      upstream?.on('error', () => client.destroy());
    };
    return (createServer as (...a: unknown[]) => net.Server)(
      ...args.map((a) => (a === listener ? wrapped : a)),
    );
  }) as typeof net.createServer;
  net.createServer = guarded;
  const restore = () => {
    net.createServer = createServer;
  };
  try {
    const result = start();
    if (result instanceof Promise) return result.finally(restore) as T;
    restore();
    return result;
  } catch (err) {
    restore();
    throw err;
  }
}
