import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { runMigrations } from '../../db/migrate.js';
import { type PrivateServer, startPrivateServer } from '../../scripts/lib/private-mariadb.js';
import type { Database } from '../../src/database.js';
import { enqueue } from '../../src/modules/notifications/outbox.js';
import { TestClock } from '../helpers/app.js';
import { makeTicket, makeUser } from '../helpers/factories.js';

/**
 * A private database server that a fault test may freeze (SIGSTOP), thaw, kill -9 and restart, on its
 * own data directory and port. Durable (unlike the main suite's): a kill must not lose a committed write.
 */
export interface FaultyDatabase {
  /** `mysql://root@127.0.0.1:<port>/helpdesk`, migrated. */
  url: string;
  freeze(): void;
  thaw(): void;
  /** kill -9, then (after `downMs`) start it again on the same data and port. */
  crash(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

const DB_ARGS = ['--innodb-buffer-pool-size=64M', '--skip-log-bin', '--innodb-log-file-size=48M'];

export async function startFaultyDatabase(): Promise<FaultyDatabase> {
  const base = process.platform === 'linux' ? '/dev/shm' : tmpdir();
  const dir = mkdtempSync(join(base, 'helpdesk-faults-'));
  const dataDir = join(dir, 'data');
  let server: PrivateServer = await startPrivateServer({ dataDir, extraArgs: DB_ARGS });
  const port = server.port;
  const admin = await mysql.createConnection({ uri: server.url });
  await admin.query('CREATE DATABASE helpdesk CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci');
  await admin.end();
  const url = `mysql://root@127.0.0.1:${port}/helpdesk`;
  await runMigrations(url);
  const pid = () => Number(readFileSync(join(dataDir, 'mysqld.pid'), 'utf8').trim());
  return {
    url,
    freeze: () => process.kill(pid(), 'SIGSTOP'),
    thaw: () => process.kill(pid(), 'SIGCONT'),
    async crash(downMs) {
      process.kill(pid(), 'SIGKILL');
      await server.stop();
      await sleep(downMs);
      server = await startPrivateServer({ dataDir, port, extraArgs: DB_ARGS });
    },
    async stop() {
      try {
        process.kill(pid(), 'SIGCONT');
      } catch {
        // not running
      }
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** An SMTP "relay" that accepts TCP connections and never says a word (a hung or black-holed relay). */
export async function startBlackHole(
  port = 0,
): Promise<{ port: number; accepted: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const state = { port: 0, accepted: 0, close: async () => {} };
  const srv: Server = createServer((s) => {
    state.accepted++;
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => srv.listen(port, '127.0.0.1', () => resolve()));
  const addr = srv.address();
  state.port = typeof addr === 'object' && addr ? addr.port : port;
  state.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      srv.close(() => resolve());
    });
  return state;
}

/** One summary line per scenario, for the lead to quote: `FAULTS <scenario>: k=v …`. */
export function summary(scenario: string, figures: Record<string, string | number>): void {
  const line = `FAULTS ${scenario}: ${Object.entries(figures)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')}`;
  process.stdout.write(`${line}\n`);
}

/** Queues `count` status-change emails for one fresh ticket, to `<tag>-<i>@example.test`. */
export async function queueStatusEmails(database: Database, count: number, tag: string): Promise<void> {
  await database.use(async (db) => {
    const u = await makeUser(db);
    const t = await makeTicket(db, u.id);
    await enqueue(
      db,
      new TestClock(),
      'helpdesk.test',
      Array.from({ length: count }, (_, i) => ({
        event: 'ticket.status_changed',
        template: 'ticket_status_changed' as const,
        to: { email: `${tag}-${i}@example.test` },
        ticketId: t.id,
        payload: {
          recipient: { name: 'Ada' },
          ticket: { id: t.id, subject: t.subject, url: 'https://helpdesk.test/t' },
          change: { from: 'new', to: 'open', reason: null },
          actor: { name: 'Agent' },
        },
      })),
    );
  });
}
