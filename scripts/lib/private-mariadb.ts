import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';

const run = promisify(execFile);

/**
 * Starts a private MariaDB (or MySQL) server from the binaries installed on this machine, in a data
 * directory of its own, on a port of its own. Used by the test harness (a throwaway dir on tmpfs) and by
 * `npm run dev` (data kept under .data/). It never touches a shared server.
 */
export interface PrivateServer {
  url: string;
  port: number;
  dataDir: string;
  /** Stops the server (SIGTERM, then SIGKILL after 10 s). */
  stop(): Promise<void>;
}

const SEARCH_DIRS = [
  '/usr/sbin',
  '/usr/local/sbin',
  '/usr/bin',
  '/usr/local/bin',
  '/opt/homebrew/bin',
  '/opt/homebrew/sbin',
];

/**
 * Where server binaries are looked for: PATH plus the usual sbin folders (mariadbd is rarely on a user's
 * PATH). `HELPDESK_DB_BIN_DIRS` (colon-separated) replaces the lot, to use a particular installation.
 */
function searchDirs(): string[] {
  const override = process.env.HELPDESK_DB_BIN_DIRS;
  if (override !== undefined) return override.split(':').filter(Boolean);
  return [...(process.env.PATH ?? '').split(':').filter(Boolean), ...SEARCH_DIRS];
}

function which(names: string[]): string | null {
  const dirs = searchDirs();
  for (const name of names) {
    for (const dir of dirs) {
      const p = join(dir, name);
      if (existsSync(p)) return p;
    }
  }
  return null;
}

export interface ServerBinaries {
  server: string;
  flavor: 'mariadb' | 'mysql';
  installDb: string | null;
}

/** Finds mariadbd/mysqld; null when no database server is installed. */
export function findServerBinaries(): ServerBinaries | null {
  const mariadbd = which(['mariadbd']);
  if (mariadbd)
    return {
      server: mariadbd,
      flavor: 'mariadb',
      installDb: which(['mariadb-install-db', 'mysql_install_db']),
    };
  const mysqld = which(['mysqld']);
  if (!mysqld) return null;
  // Debian ships mysqld as a MariaDB alias; mariadb-install-db tells them apart.
  const installDb = which(['mariadb-install-db']);
  return installDb
    ? { server: mysqld, flavor: 'mariadb', installDb }
    : { server: mysqld, flavor: 'mysql', installDb: null };
}

export const INSTALL_HINT = [
  'No MariaDB or MySQL server binary (mariadbd / mysqld) was found on this machine.',
  'Install one, or point DATABASE_URL at a running server:',
  '  Debian/Ubuntu:  sudo apt-get install -y mariadb-server-core',
  '  macOS:          brew install mariadb',
  '  Docker:         docker compose up -d mysql   (then DATABASE_URL=mysql://helpdesk:helpdesk@127.0.0.1:3306/helpdesk)',
].join('\n');

/** Asks the kernel for a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

async function initialise(bin: ServerBinaries, dataDir: string): Promise<void> {
  if (existsSync(join(dataDir, 'mysql'))) return;
  mkdirSync(dataDir, { recursive: true });
  const user = isRoot() ? ['--user=root'] : [];
  if (bin.flavor === 'mariadb' && bin.installDb) {
    await run(bin.installDb, [
      '--no-defaults',
      `--datadir=${dataDir}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      ...user,
    ]);
  } else {
    await run(bin.server, ['--no-defaults', '--initialize-insecure', `--datadir=${dataDir}`, ...user]);
  }
}

async function waitUntilUp(
  url: string,
  child: ChildProcess,
  logFile: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      const conn = await mysql.createConnection({ uri: url, connectTimeout: 1000 });
      await conn.end();
      return;
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n') : '';
  child.kill('SIGKILL');
  throw new Error(`private database server did not start: ${String(lastError)}\n${log}`);
}

export interface StartOptions {
  dataDir: string;
  port?: number;
  /** Smaller buffers and relaxed durability: for throwaway test servers only. */
  ephemeral?: boolean;
  /** Keep the server running after this process exits (dev). */
  detached?: boolean;
  /** More server options, e.g. `--innodb-buffer-pool-size=1G` (the benchmark's). */
  extraArgs?: string[];
}

/** Initialises `dataDir` if it is empty and starts a server on it, resolving once it accepts connections. */
export async function startPrivateServer(opts: StartOptions): Promise<PrivateServer> {
  const bin = findServerBinaries();
  if (!bin) throw new Error(INSTALL_HINT);
  await initialise(bin, opts.dataDir);
  const port = opts.port ?? (await freePort());
  const logFile = join(opts.dataDir, 'server.log');
  // Each server its own temporary directory, beside its data directory (inside it would show as a
  // database). In a shared /tmp, a server starting up deletes every `#sql*` file it finds there, the
  // on-disk temporary tables of the servers already running: their next query fails with "Error on
  // delete of '/tmp/#sql-temptable-…'" (seen when a test run started during a benchmark's seed).
  const tmpDir = `${opts.dataDir.replace(/\/+$/, '')}-tmp`;
  mkdirSync(tmpDir, { recursive: true });
  const args = [
    '--no-defaults',
    `--datadir=${opts.dataDir}`,
    `--socket=${join(opts.dataDir, 'mysqld.sock')}`,
    `--pid-file=${join(opts.dataDir, 'mysqld.pid')}`,
    `--log-error=${logFile}`,
    `--tmpdir=${tmpDir}`,
    `--port=${port}`,
    '--bind-address=127.0.0.1',
    '--skip-name-resolve',
    '--character-set-server=utf8mb4',
    '--collation-server=utf8mb4_unicode_ci',
    '--max-connections=1000',
    ...(isRoot() ? ['--user=root'] : []),
    ...(bin.flavor === 'mysql' ? ['--mysqlx=OFF'] : []),
    ...(opts.ephemeral
      ? [
          '--innodb-buffer-pool-size=128M',
          '--innodb-flush-log-at-trx-commit=0',
          '--skip-log-bin',
          '--sync-binlog=0',
        ]
      : []),
    ...(opts.extraArgs ?? []),
  ];
  const child = spawn(bin.server, args, { stdio: 'ignore', detached: opts.detached ?? false });
  if (opts.detached) child.unref();
  const url = `mysql://root@127.0.0.1:${port}/`;
  await waitUntilUp(url, child, logFile, 60_000);
  return {
    url,
    port,
    dataDir: opts.dataDir,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
