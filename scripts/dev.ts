import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import mysql from 'mysql2/promise';
import { runMigrations } from '../db/migrate.js';
import { DEMO_ACCOUNTS, type SeedOutcome, seedDemo } from '../db/seed.js';
import { parseBcryptCost } from '../src/config.js';
import { createPoolDatabase } from '../src/database.js';
import { systemClock } from '../src/deps.js';
import { scrubUrlCredentials } from '../src/logger.js';
import { type DevInbox, startDevInbox } from './lib/dev-inbox.js';
import { DEV_AUTH_RATE_LIMITS } from './lib/dev-settings.js';
import { findServerBinaries, freePort, INSTALL_HINT, startPrivateServer } from './lib/private-mariadb.js';

// `npm run dev`: everything a fresh clone needs, with no configuration. Uses DATABASE_URL / SMTP_URL when
// set; otherwise starts a private MariaDB (data in .data/mysql) and an in-memory mail inbox, migrates and
// seeds demo accounts, then runs the API under `tsx watch`. Ctrl-C stops all of it.
// `npm run dev -- --keep-db` leaves the MariaDB running on exit so the next run starts faster.

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DATA_DIR = join(ROOT, '.data');
const DB_DIR = join(DATA_DIR, 'mysql');
/** The port our private server listens on, so a later run can find it again. */
const DB_STATE = join(DATA_DIR, 'dev-db.json');
const DB_PORT = 3307;
const DB_NAME = 'helpdesk';

interface DevDatabase {
  url: string;
  description: string;
  /** Null when the server is left running (or is not ours). */
  stop: (() => Promise<void>) | null;
  /** Set when our private server outlives this run: says so and how to stop it. */
  leftRunning?: string;
}

const portIsFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Our server from an earlier run: pid file of a live process, and a server on the recorded port using our data dir. */
async function findRunningServer(): Promise<{ url: string; pid: number } | null> {
  const pidFile = join(DB_DIR, 'mysqld.pid');
  if (!existsSync(pidFile) || !existsSync(DB_STATE)) return null;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return null;
  const { port } = JSON.parse(readFileSync(DB_STATE, 'utf8')) as { port: number };
  const url = `mysql://root@127.0.0.1:${port}/`;
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      const conn = await mysql.createConnection({ uri: url, connectTimeout: 1000 });
      try {
        const [rows] = await conn.query('SELECT @@datadir AS dir');
        const dir = (rows as { dir: string }[])[0]?.dir ?? '';
        return existsSync(dir) && realpathSync(dir) === realpathSync(DB_DIR) ? { url, pid } : null;
      } finally {
        await conn.end();
      }
    } catch {
      await new Promise((r) => setTimeout(r, 250)); // it may still be starting up
    }
  }
  throw new Error(
    `A MariaDB (pid ${pid}) holds .data/mysql but does not answer on port ${port}. Stop it with ` +
      `\`kill ${pid}\` and retry (if pid ${pid} is not MariaDB, delete .data/mysql/mysqld.pid).`,
  );
}

async function privateDatabase(keep: boolean): Promise<DevDatabase | 'no-binary'> {
  let server: DevDatabase;
  const running = await findRunningServer();
  if (running) {
    server = {
      url: running.url,
      stop: null,
      description: `private MariaDB in .data/mysql, reused from an earlier run`,
      leftRunning: `MariaDB (pid ${running.pid}) was already running, so it keeps running after exit; stop it with: kill ${running.pid}`,
    };
  } else {
    if (!findServerBinaries()) return 'no-binary';
    const port = (await portIsFree(DB_PORT)) ? DB_PORT : await freePort();
    const firstRun = !existsSync(join(DB_DIR, 'mysql'));
    console.log(
      firstRun ? 'Initialising a private MariaDB in .data/mysql (first run only)…' : 'Starting MariaDB…',
    );
    // Detached: Ctrl-C reaches the API at once, while the database is shut down cleanly below.
    const started = await startPrivateServer({ dataDir: DB_DIR, port, detached: true }).catch((err) => {
      // A half-initialised data directory would fail every later run; on a first run it holds no data.
      if (firstRun) rmSync(DB_DIR, { recursive: true, force: true });
      throw err;
    });
    writeFileSync(DB_STATE, JSON.stringify({ port }));
    server = {
      url: started.url,
      stop: keep ? null : started.stop,
      description: 'private MariaDB in .data/mysql',
      ...(keep && {
        leftRunning:
          'MariaDB keeps running after exit (--keep-db); stop it with: kill $(cat .data/mysql/mysqld.pid)',
      }),
    };
  }
  const conn = await mysql.createConnection({ uri: server.url });
  await conn.query(
    `CREATE DATABASE IF NOT EXISTS \`${DB_NAME}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
  );
  await conn.end();
  return { ...server, url: `${server.url}${DB_NAME}` };
}

/** A JWT secret kept in .data, so sign-ins survive the reloads of `tsx watch`. */
function devJwtSecret(): string {
  const file = join(DATA_DIR, 'dev-jwt-secret');
  if (!existsSync(file)) writeFileSync(file, randomBytes(48).toString('base64url'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

function banner(rows: [string, string][], seeded: SeedOutcome[], notes: string[]): string {
  const rule = '─'.repeat(78);
  const accounts = DEMO_ACCOUNTS.map((a) => `    ${a.role.padEnd(6)} ${a.email.padEnd(19)} ${a.password}`);
  const existing = seeded.filter((o) => o.result === 'exists').length;
  if (existing > 0) accounts.push(`    (${existing} of them existed already and were left as they are)`);
  return [
    rule,
    '  Helpdesk API — development',
    ...rows.map(([k, v]) => `  ${k.padEnd(9)} ${v}`),
    '  Demo accounts (role, email, password):',
    ...accounts,
    ...notes.map((n) => `  ${n}`),
    rule,
  ].join('\n');
}

async function main(): Promise<void> {
  const usage = 'Usage: npm run dev [-- --keep-db]\n  --keep-db  leave the private MariaDB running on exit';
  let flags: { 'keep-db'?: boolean; help?: boolean };
  try {
    ({ values: flags } = parseArgs({
      options: { 'keep-db': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n${usage}`);
    process.exit(2);
  }
  if (flags.help) {
    console.log(usage);
    return;
  }
  const env = process.env;
  if (env.NODE_ENV === 'production') {
    console.error('npm run dev seeds demo accounts with public passwords: it refuses NODE_ENV=production.');
    process.exit(1);
  }
  const apiPort = Number(env.PORT || 8787);
  if (!Number.isInteger(apiPort) || apiPort < 1 || apiPort > 65535) {
    console.error(`PORT must be a port number (got "${env.PORT}").`);
    process.exit(1);
  }
  const bcrypt = parseBcryptCost(env);
  if (!bcrypt.ok) {
    console.error(bcrypt.message);
    process.exit(1);
  }
  if (!(await portIsFree(apiPort))) {
    console.error(`Port ${apiPort} is already in use (another npm run dev?). Stop it, or set PORT.`);
    process.exit(1);
  }
  mkdirSync(DATA_DIR, { recursive: true });

  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) await fn().catch((err) => console.error(err));
    cleanups.length = 0;
  };
  let api: ChildProcess | undefined;
  let stopping = false;
  // `tsx watch` runs in a process group of its own, so only this process signals it, and exactly once:
  // it force-kills the API on a second signal, which a terminal's Ctrl-C plus a forward would be.
  const signalApi = (signal: NodeJS.Signals, wholeGroup = false) => {
    try {
      if (api?.pid && api.exitCode === null) process.kill(wholeGroup ? -api.pid : api.pid, signal);
    } catch {
      // already gone
    }
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    signalApi(signal === 'SIGINT' ? 'SIGINT' : 'SIGTERM');
    setTimeout(() => signalApi('SIGKILL', true), 30_000).unref();
  };
  // Should this process die some other way, do not leave the API holding its port.
  process.on('exit', () => signalApi('SIGTERM', true));
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  // A signal during set-up takes effect between steps, so nothing started is left behind.
  const checkpoint = async () => {
    if (!stopping) return;
    await cleanup();
    process.exit(130);
  };

  try {
    let database: DevDatabase;
    if (env.DATABASE_URL) {
      database = { url: env.DATABASE_URL, description: 'from DATABASE_URL', stop: null };
    } else {
      const started = await privateDatabase(flags['keep-db'] ?? false);
      if (started === 'no-binary') {
        console.error(`${INSTALL_HINT}\nThen run npm run dev again.`);
        process.exit(1);
      }
      database = started;
      const stop = started.stop;
      if (stop)
        cleanups.push(async () => {
          console.log('Stopping the private MariaDB…');
          await stop();
        });
    }
    await checkpoint();
    await runMigrations(database.url);
    const pool = createPoolDatabase(database.url, { connectionLimit: 1 });
    const seeded = await pool.use((db) => seedDemo(db, systemClock, bcrypt.cost)).finally(() => pool.close());
    await checkpoint();

    // Email in both directions: replies to the dev inbox's emails go back through this listener.
    const inboundPort = env.INBOUND_SMTP_PORT || '2525';
    let inbox: DevInbox | undefined;
    if (!env.SMTP_URL) {
      const started = await startDevInbox({
        smtpPort: 1025,
        httpPort: 8025,
        replySmtpPort: Number(inboundPort),
      });
      inbox = started;
      cleanups.push(() => started.stop());
    }
    await checkpoint();
    const smtpUrl = env.SMTP_URL || inbox!.smtpUrl;

    console.log(
      banner(
        [
          ['API', `http://localhost:${apiPort}`],
          ['Docs', `http://localhost:${apiPort}/docs`],
          [
            'Inbox',
            inbox
              ? `${inbox.httpUrl}   (SMTP ${inbox.smtpUrl}; replies go to the inbound listener on :${inboundPort})`
              : `none: mail goes to SMTP_URL ${scrubUrlCredentials(smtpUrl)}`,
          ],
          ['Database', `${scrubUrlCredentials(database.url)}   (${database.description})`],
        ],
        seeded,
        database.leftRunning
          ? ['Ctrl-C stops the API and the inbox.', database.leftRunning]
          : [
              database.stop ? 'Ctrl-C stops everything, MariaDB included.' : 'Ctrl-C stops everything.',
              ...(env.DATABASE_URL
                ? []
                : ['Fresh start: stop, then rm -rf .data (database, dev JWT secret).']),
            ],
      ),
    );

    const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');
    api = spawn(process.execPath, [tsxCli, 'watch', '--clear-screen=false', 'src/entry/node.ts'], {
      cwd: ROOT,
      detached: true,
      // No stdin: a background process group reading the terminal would be stopped (SIGTTIN).
      stdio: ['ignore', 'inherit', 'inherit'],
      env: {
        ...env,
        NODE_ENV: env.NODE_ENV || 'development',
        DATABASE_URL: database.url,
        SMTP_URL: smtpUrl,
        PORT: String(apiPort),
        INBOUND_ADDRESS: env.INBOUND_ADDRESS || 'support@localhost',
        INBOUND_SMTP_PORT: inboundPort,
        INBOUND_SMTP_HOST: env.INBOUND_SMTP_HOST || '127.0.0.1',
        JWT_SECRET: env.JWT_SECRET || devJwtSecret(),
        AUTH_RATE_LIMIT_PER_IP: env.AUTH_RATE_LIMIT_PER_IP || DEV_AUTH_RATE_LIMITS.AUTH_RATE_LIMIT_PER_IP,
        AUTH_RATE_LIMIT_PER_EMAIL:
          env.AUTH_RATE_LIMIT_PER_EMAIL || DEV_AUTH_RATE_LIMITS.AUTH_RATE_LIMIT_PER_EMAIL,
      },
    });
    const exitCode = await new Promise<number>((resolve) =>
      api!.once('exit', (code) => resolve(stopping ? 0 : (code ?? 1))),
    );
    await cleanup();
    process.exit(exitCode);
  } catch (err) {
    const message = scrubUrlCredentials(err instanceof Error ? err.message : String(err));
    console.error(stopping ? 'Interrupted during start-up.' : `npm run dev failed: ${message}`);
    await cleanup();
    process.exit(1);
  }
}

await main();
