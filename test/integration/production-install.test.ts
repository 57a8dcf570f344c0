import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/lib/private-mariadb.js';
import { DOCS_SCRIPT_PATH } from '../../src/http/docs.js';
import { serverUrl } from '../helpers/database.js';
import { waitForHttp } from '../helpers/node-process.js';
import { root } from '../helpers/worker-bundle.js';

// A production install as the README describes it: build with the dev dependencies, then install only the
// production ones (`npm ci --omit=dev`) next to the build, and run the documented scripts with node alone:
// `npm run db:migrate`, `npm run admin:create`, `npm start` (in a terminal, without NODE_ENV).

let dir: string;
let dbName: string;
let dbUrl: string;

const run = (cmd: string, args: string[], opts: { env?: Record<string, string>; input?: string } = {}) =>
  spawnSync(cmd, args, {
    cwd: dir,
    encoding: 'utf8',
    input: opts.input,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dir, ...opts.env },
    timeout: 180_000,
  });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'helpdesk-prod-'));
  for (const f of ['package.json', 'package-lock.json', 'scripts/run.mjs', 'db/migrations']) {
    cpSync(join(root, f), join(dir, f), { recursive: true });
  }
  // The build step (dev dependencies): the same tsc as `npm run build:node`, into the install's dist/.
  const tsc = spawnSync(
    process.execPath,
    [
      join(root, 'node_modules/typescript/bin/tsc'),
      '-p',
      'tsconfig.build.json',
      '--outDir',
      join(dir, 'dist'),
    ],
    { cwd: root, encoding: 'utf8' },
  );
  expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);
  // The rest of `npm run build:node`: the API reference's bundle (a dev dependency) into dist/assets/.
  const asset = spawnSync(process.execPath, ['scripts/docs-asset.mjs', join(dir, 'dist', 'assets')], {
    cwd: root,
    encoding: 'utf8',
  });
  expect(asset.status, asset.stdout + asset.stderr).toBe(0);
  // The production dependencies only; from npm's cache, which the test machine's own install filled.
  const ci = run('npm', [
    'ci',
    '--omit=dev',
    '--ignore-scripts',
    '--prefer-offline',
    '--no-audit',
    '--no-fund',
  ]);
  expect(ci.status, ci.stdout + ci.stderr).toBe(0);

  dbName = `p_${randomBytes(6).toString('hex')}`;
  const admin = await mysql.createConnection({ uri: serverUrl() });
  await admin.query(`CREATE DATABASE \`${dbName}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.end();
  dbUrl = serverUrl(dbName);
}, 300_000);

afterAll(async () => {
  const admin = await mysql.createConnection({ uri: serverUrl() });
  await admin.query(`DROP DATABASE IF EXISTS \`${dbName}\``).finally(() => admin.end());
  rmSync(dir, { recursive: true, force: true });
});

describe('a production install (npm ci --omit=dev next to a build)', () => {
  it('has none of the dev tools the old scripts needed', () => {
    for (const dev of ['tsx', 'typescript', 'pino-pretty', 'wrangler', '@scalar/api-reference']) {
      expect(existsSync(join(dir, 'node_modules', dev)), dev).toBe(false);
    }
  });

  it('migrates, creates the first admin and serves, with node only and no NODE_ENV', {
    timeout: 90_000,
  }, async () => {
    const env = { DATABASE_URL: dbUrl, BCRYPT_COST: '4' };
    const migrate = run('npm', ['run', '-s', 'db:migrate'], { env });
    expect(migrate.status, migrate.stdout + migrate.stderr).toBe(0);
    expect(migrate.stdout).toMatch(/migrations applied/);

    const password = 'prod-admin-password';
    const create = run(
      'npm',
      ['run', '-s', 'admin:create', '--', '--email', 'ops@example.com', '--password-stdin'],
      {
        env,
        input: password,
      },
    );
    expect(create.status, create.stdout + create.stderr).toBe(0);
    expect(create.stdout).toMatch(/Created admin ops@example.com/);

    // `npm start` in a terminal: `script` gives the process a TTY, where development logging would pick
    // pino-pretty, which this install does not have.
    const port = await freePort();
    const server: ChildProcess = spawn('script', ['-qec', 'npm start', '/dev/null'], {
      cwd: dir,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? dir,
        DATABASE_URL: dbUrl,
        SMTP_URL: 'smtp://127.0.0.1:9',
        PORT: String(port),
      },
    });
    let output = '';
    server.stdout!.on('data', (d) => (output += d));
    server.stderr!.on('data', (d) => (output += d));
    try {
      await waitForHttp(`http://127.0.0.1:${port}/ready`, 30_000).catch((err: Error) => {
        throw new Error(`${err.message}\n${output}`);
      });
      const login = await fetch(`http://127.0.0.1:${port}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'ops@example.com', password }),
      });
      expect(login.status).toBe(200);
      // /docs works without the dev dependency: its bundle is the build's copy.
      const docs = await fetch(`http://127.0.0.1:${port}${DOCS_SCRIPT_PATH}`);
      expect(docs.status).toBe(200);
      expect(docs.headers.get('content-type')).toMatch(/javascript/);
      expect((await docs.arrayBuffer()).byteLength).toBeGreaterThan(1_000_000);
      expect(output).toMatch(/pino-pretty is not installed: logging JSON lines/);
    } finally {
      try {
        process.kill(-server.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
});
