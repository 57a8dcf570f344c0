import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import bcrypt from 'bcryptjs';
import { sql } from 'drizzle-orm';
import mysql from 'mysql2/promise';
import { runMigrations } from '../db/migrate.js';
import { solvedCsatPaths } from './bench/csat.js';
import { explainReports } from './bench/explain.js';
import { inboundBigMessage, inboundOverRoute, inboundOverSmtp } from './bench/inbound.js';
import { load, type Measured, sampleRss } from './bench/load.js';
import { type Row, renderMarkdown } from './bench/report.js';
import { BENCH_POLICY, seedConversation, seedEvents, seedTickets, seedUsers } from './bench/seed.js';
import { startCountingSink } from './bench/sink.js';
import { startCountingReceiver } from './bench/webhook-receiver.js';
import { freePort, startPrivateServer } from './lib/private-mariadb.js';

// `npm run bench`: the performance suite (docs/PERFORMANCE.md). Starts the built Node app against a
// private MariaDB it seeds by bulk inserts, drives it over loopback with autocannon, and measures the
// ceilings in the same run: a bare Hono route, the create path's SQL replayed through mysql2, and raw
// bcryptjs hashes/s. Writes a JSON file and a markdown table.
//   npm run bench                 full run (10k and 1M tickets; several minutes)
//   npm run bench -- --smoke      every scenario for 2 s on a small seed (CI runs this)
//   npm run bench -- --seconds 5 --out .bench

const { values: args } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    seconds: { type: 'string' },
    out: { type: 'string', default: '.bench' },
    'no-build': { type: 'boolean', default: false },
    /** Comma-separated scenario ids (and/or `ceilings`, `grow`) to run instead of everything. */
    only: { type: 'string' },
  },
});
const ONLY = args.only?.split(',').map((s) => s.trim());
const want = (id: string) => !ONLY || ONLY.includes(id);
const SMOKE = args.smoke;
const S = Number(args.seconds ?? (SMOKE ? 2 : 10));
const SIZE = SMOKE
  ? {
      big: 500,
      firstPhase: 2_000,
      secondPhase: 20_000,
      emails: 300,
      emailRate: 50,
      deliveries: 400,
      hookRate: 50,
    }
  : {
      big: 10_000,
      firstPhase: 10_000,
      secondPhase: 1_000_000,
      emails: 5_000,
      emailRate: 200,
      deliveries: 5_000,
      hookRate: 200,
    };
/** Seconds of unrecorded load on a read route before it is measured. */
const WARM_UP = Math.max(0.5, Math.min(2, S / 5));
/** Webhooks the throughput scenario spreads its deliveries over (each webhook's are sent in order). */
const HOOKS = 8;
/** The label of the first data size (10k tickets; 2k in a smoke run). */
const FIRST = SMOKE ? '2k' : '10k';
const BCRYPT_COST = Number(process.env.BCRYPT_COST ?? 12);
const PASSWORD = 'bench-password-1';
const root = join(import.meta.dirname, '..');
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

function build() {
  if (args['no-build']) return;
  log('building (tsc -p tsconfig.build.json)');
  const r = spawnSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  if (r.status !== 0) throw new Error('build failed');
}

/** Spawns a built script; with `ready`, resolves once it prints that word (rejects if it exits first). */
function spawnNode(
  script: string,
  argv: string[],
  env: Record<string, string> = {},
  ready = true,
): Promise<ChildProcess> {
  // BENCH_PROFILE_DIR=/tmp/prof writes a V8 CPU profile of the app (`node --cpu-prof`) when it stops.
  // BENCH_APP_NODE_OPTIONS="--max-old-space-size=128" tries V8 flags on the app alone.
  const profile = [
    ...(!ready && process.env.BENCH_PROFILE_DIR
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`]
      : []),
    ...(!ready && process.env.BENCH_APP_NODE_OPTIONS ? process.env.BENCH_APP_NODE_OPTIONS.split(' ') : []),
  ];
  const child = spawn(process.execPath, [...profile, join(root, script), ...argv], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => {
      if (d.includes('ready')) resolve(child);
      // The app logs warnings and errors only (LOG_LEVEL=warn): show them, they explain failed requests.
      else if (!ready) process.stderr.write(d.length > 2000 ? `${d.slice(0, 2000)}…\n` : d);
    });
    if (!ready) resolve(child);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

/** Runs a built script to completion and parses the JSON line it prints. */
function runJson<T>(script: string, argv: string[]): T {
  const r = spawnSync(process.execPath, [join(root, script), ...argv], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${script} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as T;
}

async function stop(child: ChildProcess | undefined) {
  if (!child || child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

build();
const dir = mkdtempSync(join(process.platform === 'linux' ? '/dev/shm' : tmpdir(), 'helpdesk-bench-'));
const server = await startPrivateServer({
  dataDir: join(dir, 'data'),
  extraArgs: [
    `--innodb-buffer-pool-size=${SMOKE ? '256M' : '2G'}`,
    '--innodb-log-file-size=512M',
    '--skip-log-bin',
  ],
});
const sink = await startCountingSink();
const receiver = await startCountingReceiver();
let app: ChildProcess | undefined;
const rows: Row[] = [];
try {
  const admin = await mysql.createConnection({ uri: server.url });
  await admin.query('CREATE DATABASE bench');
  await admin.end();
  const url = `${server.url}bench`;
  await runMigrations(url);
  const conn = await mysql.createConnection({ uri: url, timezone: 'Z' });

  // The bench's SLA policy (seedTickets gives a tenth of the new and open tickets a running clock under it).
  await conn.query(
    "INSERT INTO sla_policies (id, name, position, `match`, resolution_minutes, business_hours) VALUES (?, 'Bench', 1, '{}', ?, 0)",
    [BENCH_POLICY.id, BENCH_POLICY.resolutionMinutes],
  );
  log(`seeding users and ${SIZE.firstPhase} tickets`);
  const users = await seedUsers(conn, bcrypt.hashSync(PASSWORD, BCRYPT_COST), PASSWORD);
  const small = await seedTickets(conn, users, 25, () => users.small, 1);
  await seedTickets(conn, users, SIZE.big, () => users.big, 2);
  const crowdOf = (i: number) => users.crowd[i % users.crowd.length]!;
  // One of the small requester's tickets copies two customers and has a staff follower: its view is read
  // whole (the `get_ticket_extras` row), where a ticket without them skips those three subqueries.
  const extrasTicket = small.first + 2;
  await conn.query('INSERT INTO ticket_ccs (ticket_id, user_id) VALUES (?, ?), (?, ?)', [
    extrasTicket,
    users.crowd[0],
    extrasTicket,
    users.crowd[1],
  ]);
  await conn.query('INSERT INTO ticket_followers (ticket_id, user_id) VALUES (?, ?)', [
    extrasTicket,
    users.agent,
  ]);
  await conn.query('UPDATE tickets SET view_extras = true WHERE id = ?', [extrasTicket]);
  await seedTickets(conn, users, SIZE.firstPhase - SIZE.big - 25, crowdOf, 3);
  await seedConversation(conn, small.first, [users.small, users.agent], 60);
  let feedHead = await seedEvents(conn);

  const port = await freePort();
  const inboundPort = await freePort();
  const base = `http://127.0.0.1:${port}`;
  app = await spawnNode(
    'dist/src/entry/node.js',
    [],
    {
      NODE_ENV: 'production',
      DATABASE_URL: url,
      SMTP_URL: sink.url,
      JWT_SECRET: 'bench-secret-that-is-at-least-32-bytes-long',
      PORT: String(port),
      APP_URL: base,
      LOG_LEVEL: process.env.BENCH_APP_LOG_LEVEL ?? 'warn',
      BCRYPT_COST: String(BCRYPT_COST),
      AUTH_RATE_LIMIT_PER_IP: '1000000',
      AUTH_RATE_LIMIT_PER_EMAIL: '1000000',
      // The load comes from a handful of accounts: production's per-principal limits would answer 429.
      RATE_LIMIT_PER_PRINCIPAL: '1000000',
      TICKET_CREATE_LIMIT: '1000000',
      TICKET_CREATE_LIMIT_STAFF: '1000000',
      // The webhook receiver listens on 127.0.0.1.
      WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
      // Inbound email: the SMTP listener on a free port, no per-sender limit in the way.
      INBOUND_ADDRESS: 'support@bench.test',
      INBOUND_SMTP_PORT: String(inboundPort),
      INBOUND_SMTP_HOST: '127.0.0.1',
      INBOUND_RATE_LIMIT: '1000000',
    },
    false,
  );
  await waitFor(
    async () => (await fetch(`${base}/ready`).catch(() => null))?.status === 200,
    30_000,
    'the app',
  );
  const pid = app.pid!;

  const login = async (email: string) => {
    const res = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    const body = (await res.json()) as { accessToken: string };
    return { authorization: `Bearer ${body.accessToken}` };
  };
  const agent = await login(users.emails.agent);
  const big = await login(users.emails.big);
  const creator = await login('crowd0@bench.test');
  const api = `${base}/api/v1`;

  // ---- ceilings -------------------------------------------------------------------------------
  let bareHono = { rps: 0 };
  let replay = { txPerSecond: 0, p50: 0, p99: 0, statements: 0 };
  let raw = { hashesPerSecond: 0, threads: 0 };
  if (want('ceilings')) {
    log('ceiling: bare Hono route on @hono/node-server');
    const barePort = await freePort();
    const bare = await spawnNode('dist/scripts/bench/bare-hono.js', [String(barePort)]);
    bareHono = await load({ url: `http://127.0.0.1:${barePort}/`, seconds: S, connections: 32 });
    await stop(bare);

    log('ceiling: the create path’s SQL, captured from the general log and replayed through mysql2');
    const statements = await captureCreateStatements(url, api, creator);
    const statementsFile = join(dir, 'create-statements.json');
    writeFileSync(statementsFile, JSON.stringify(statements));
    replay = runJson('dist/scripts/bench/sql-replay.js', [url, statementsFile, '32', String(S)]);

    log(`ceiling: raw bcryptjs compare at cost ${BCRYPT_COST}`);
    raw = runJson('dist/scripts/bench/bcrypt-raw.js', [String(BCRYPT_COST), String(S)]);
  }

  // ---- scenarios --------------------------------------------------------------------------------
  const [openRows] = await conn.query(
    "SELECT id FROM tickets WHERE status = 'open' AND requester_id <> ? ORDER BY id LIMIT 5000",
    [users.big],
  );
  const openIds = (openRows as { id: number }[]).map((r) => r.id);
  let cursorAt50 = '';
  const walkToPage50 = async () => {
    let cursor = '';
    for (let page = 1; page < 50; page++) {
      const res = await fetch(`${api}/tickets?limit=25${cursor ? `&cursor=${cursor}` : ''}`, {
        headers: agent,
      });
      cursor = ((await res.json()) as { nextCursor: string }).nextCursor;
    }
    cursorAt50 = cursor;
  };

  /** Runs one scenario (unless --only leaves it out) and records its row. */
  const scenario = async (
    id: string,
    phase: string,
    measure: () => Promise<Measured>,
    ceiling?: { name: string; value: number },
  ) => {
    if (!want(id)) return;
    record(id, phase, await measure(), ceiling);
  };
  const record = (id: string, phase: string, m: Measured, ceiling?: { name: string; value: number }) => {
    rows.push({
      id,
      phase,
      ...m,
      ...(ceiling ? { ceiling: ceiling.name, ceilingValue: ceiling.value } : {}),
    });
    log(
      `${id} (${phase}): ${m.rps} req/s, p50 ${m.p50} ms, p99 ${m.p99} ms, errors ${m.errors}, RSS ${m.rssMb} MB`,
    );
  };
  const bareCeiling = { name: 'bare Hono', value: bareHono.rps };

  // A change-feed cursor at a feed position (the format is the feed's own: ["feed", seq], base64url).
  const feedCursor = (seq: number) => Buffer.from(JSON.stringify(['feed', seq])).toString('base64url');

  /** The read scenarios (16 connections, GET), run at each data size. */
  const readScenarios = async (phase: string) => {
    const reads: [id: string, path: () => string, headers: Record<string, string>][] = [
      ['get_ticket', () => `/tickets/${small.first + 1}`, agent],
      ['get_ticket_extras', () => `/tickets/${extrasTicket}`, agent],
      ['messages_page', () => `/tickets/${small.first}/messages`, agent],
      ['list_own', () => '/tickets', big],
      ['staff_queue', () => '/tickets?status=open&assignee=none&sort=-priority', agent],
      ['sla_queue', () => '/tickets?sort=slaDue&sla=at_risk', agent],
      ['list_page_50', () => `/tickets?limit=25&cursor=${cursorAt50}`, agent],
      // A full page from the middle of the feed, and the poll of a consumer that is caught up.
      ['events_page', () => `/events?limit=25&after=${feedCursor(Math.floor(feedHead / 2))}`, agent],
      ['events_head', () => `/events?limit=25&after=${feedCursor(feedHead)}`, agent],
    ];
    for (const [id, path, headers] of reads) {
      if (id === 'list_page_50' && want(id)) await walkToPage50();
      // Unrecorded warm-up on the same route (JIT, the pool's connections, the pages it reads): without
      // it the first route measured after the app starts pays for all of that.
      if (want(id)) await load({ url: `${api}${path()}`, headers, seconds: WARM_UP, connections: 16 });
      await scenario(
        id,
        phase,
        () => load({ url: `${api}${path()}`, headers, seconds: S, connections: 16, pid }),
        bareCeiling,
      );
    }
    if (want('sla_queue')) log(`sla_queue (${phase}) page query: ${await atRiskPageQuery(conn)}`);
    if (want('sla_sweep')) rows.push(await measureSlaSweep(url, conn, phase));
    // Reports: one client at a time (the latency of one report, the figure the issue sets a target for).
    const day = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
    const reports: [id: string, path: string][] = [
      ['report_summary_90d', `/reports/summary?from=${day(89)}&to=${day(0)}`],
      [
        'report_timeseries_12w',
        `/reports/timeseries?metric=backlog&interval=week&from=${day(83)}&to=${day(0)}`,
      ],
    ];
    for (const [id, path] of reports) {
      await scenario(id, phase, () =>
        load({ url: `${api}${path}`, headers: agent, seconds: S, connections: 1, pid }),
      );
    }
    if (want('export_stream')) record('export_stream', phase, await exportStream(api, agent, pid));
  };

  log('scenarios at the first size');
  await settleInnodb(conn);
  await readScenarios(FIRST);

  // The same route as `get_ticket`, authenticated with an API key instead of an access token: the key is
  // hashed (SHA-256) and looked up on every request, where a JWT is verified and its session looked up.
  if (want('get_ticket_api_key')) {
    const key = `hd_${randomBytes(32).toString('base64url')}`;
    await conn.query(
      'INSERT INTO api_keys (name, prefix, key_hash, scopes, created_at) VALUES (?, ?, ?, ?, NOW(3))',
      [
        'bench',
        key.slice(0, 11),
        createHash('sha256').update(key).digest('hex'),
        JSON.stringify(['tickets:read']),
      ],
    );
    await scenario(
      'get_ticket_api_key',
      FIRST,
      () =>
        load({
          url: `${api}/tickets/${small.first + 1}`,
          headers: { authorization: `Bearer ${key}` },
          seconds: S,
          connections: 16,
          pid,
        }),
      bareCeiling,
    );
  }

  // CSAT: a repeated click on a solved email's link (token check, row lock, no write, the page) and
  // ratings that change each time (every request a commit with its ticket.rated event), over 200 tickets.
  if (want('csat_click') || want('csat_rate')) {
    const paths = await solvedCsatPaths(
      conn,
      { jwtSecret: 'bench-secret-that-is-at-least-32-bytes-long', appUrl: base },
      200,
    );
    const clickUrl = `${base}${paths[0]}?rating=good`;
    // The first click records the rating; the measured ones find it unchanged.
    await (await fetch(clickUrl)).text();
    await scenario(
      'csat_click',
      FIRST,
      () => load({ url: clickUrl, seconds: S, connections: 16, pid }),
      bareCeiling,
    );
    let rateAt = 0;
    await scenario('csat_rate', FIRST, () =>
      load({
        url: `${base}${paths[0]}?rating=bad`,
        seconds: S,
        connections: 16,
        pid,
        next: () => {
          const n = rateAt++;
          const rating = Math.floor(n / paths.length) % 2 === 0 ? 'bad' : 'good';
          return { path: `${paths[n % paths.length]}?rating=${rating}` };
        },
      }),
    );
  }

  const createBody = JSON.stringify({
    subject: 'Bench ticket',
    body: 'Created by the benchmark.',
    priority: 'high',
    tags: ['bench'],
  });
  await scenario(
    'create_ticket',
    FIRST,
    () =>
      load({
        url: `${api}/tickets`,
        method: 'POST',
        body: createBody,
        headers: creator,
        seconds: S,
        connections: 32,
        pid,
      }),
    { name: 'SQL replay', value: Math.round(replay.txPerSecond) },
  );

  let replyAt = 0;
  await scenario(
    'reply',
    FIRST,
    () =>
      load({
        url: `${api}/tickets/${openIds[0]}/messages`,
        method: 'POST',
        headers: agent,
        seconds: S,
        connections: 32,
        pid,
        next: () => ({
          path: `/api/v1/tickets/${openIds[replyAt++ % openIds.length]}/messages`,
          body: JSON.stringify({ body: 'A reply from the benchmark.' }),
        }),
      }),
    bareCeiling,
  );

  // Toggle open ↔ pending, each ticket in turn (staff may make both moves).
  const moves = new Map<number, number>();
  let moveAt = 0;
  await scenario(
    'transition',
    FIRST,
    () =>
      load({
        url: `${api}/tickets/${openIds[0]}/transitions`,
        method: 'POST',
        headers: agent,
        seconds: S,
        connections: 32,
        pid,
        next: () => {
          const id = openIds[moveAt++ % openIds.length]!;
          const n = moves.get(id) ?? 0;
          moves.set(id, n + 1);
          return {
            path: `/api/v1/tickets/${id}/transitions`,
            body: JSON.stringify({ to: n % 2 === 0 ? 'pending' : 'open' }),
          };
        },
      }),
    bareCeiling,
  );

  // Collaboration: a bulk update of 100 tickets per request (each its own transaction, events and queued
  // emails: the p50 is the time for 100), and a macro (reply + priority as one change) against `reply`.
  let bulkAt = 0;
  await scenario('bulk_update_100', FIRST, () =>
    load({
      url: `${api}/tickets/bulk`,
      method: 'POST',
      headers: agent,
      seconds: S,
      connections: 2,
      pid,
      next: () => {
        const start = (bulkAt++ * 100) % Math.max(1, openIds.length - 100);
        const ids = openIds.slice(start, start + 100).map(String);
        const priority = bulkAt % 2 === 0 ? 'high' : 'normal';
        return {
          path: '/api/v1/tickets/bulk',
          body: JSON.stringify({ ids, changes: { priority, addTags: ['bulk'] } }),
        };
      },
    }),
  );

  const [macroInsert] = await conn.query('INSERT INTO macros (name, actions) VALUES (?, ?)', [
    'Bench macro',
    JSON.stringify({
      reply: { body: 'Hi {{requester.name}}, about #{{ticket.id}}.', internal: false },
      priority: 'high',
    }),
  ]);
  const macroId = (macroInsert as { insertId: number }).insertId;
  let macroAt = 0;
  await scenario(
    'macro_apply',
    FIRST,
    () =>
      load({
        url: `${api}/tickets/${openIds[0]}/macros/${macroId}/apply`,
        method: 'POST',
        headers: agent,
        seconds: S,
        connections: 32,
        pid,
        next: () => ({
          path: `/api/v1/tickets/${openIds[macroAt++ % openIds.length]}/macros/${macroId}/apply`,
        }),
      }),
    bareCeiling,
  );

  const loginBody = JSON.stringify({ email: users.emails.big, password: PASSWORD });
  await scenario(
    'login',
    FIRST,
    () =>
      load({
        url: `${api}/auth/login`,
        method: 'POST',
        body: loginBody,
        seconds: S,
        connections: 16,
        pid,
      }),
    { name: `bcryptjs ×${raw.threads} threads`, value: Math.round(raw.hashesPerSecond) },
  );

  if (want('get_ticket_during_logins')) {
    log('login storm with reads alongside');
    const [, during] = await Promise.all([
      load({ url: `${api}/auth/login`, method: 'POST', body: loginBody, seconds: S, connections: 16 }),
      load({
        url: `${api}/tickets/${small.first + 1}`,
        headers: agent,
        seconds: S,
        connections: 4,
        overallRate: 200,
        pid,
      }),
    ]);
    record('get_ticket_during_logins', FIRST, during);
  }

  /** Earlier scenarios queue thousands of emails; measure each email scenario on an empty outbox. */
  const outboxEmpty = async () => {
    await waitFor(
      async () => {
        const [[row]] = (await conn.query(
          "SELECT COUNT(*) AS n FROM notifications WHERE status = 'queued'",
        )) as unknown as [[{ n: number }]];
        return row.n === 0;
      },
      300_000,
      'the outbox to empty',
    );
  };

  if (want('email_latency')) {
    await outboxEmpty();
    log(`email: tickets created at ${SIZE.emailRate}/s, commit → accepted by SMTP`);
    const since = new Date();
    await load({
      url: `${api}/tickets`,
      method: 'POST',
      body: createBody,
      headers: creator,
      seconds: S,
      connections: 8,
      overallRate: SIZE.emailRate,
    });
    const [queued] = await conn.query(
      "SELECT message_id AS m, created_at AS c FROM notifications WHERE event = 'ticket.created' AND created_at >= ?",
      [since],
    );
    const mails = queued as { m: string; c: Date }[];
    await waitFor(() => mails.every((r) => sink.received.has(r.m)), 60_000, 'the emails');
    const delays = mails.map((r) => sink.received.get(r.m)! - r.c.getTime()).sort((a, b) => a - b);
    const pct = (p: number) => delays[Math.min(delays.length - 1, Math.floor(p * delays.length))] ?? 0;
    rows.push({
      id: 'email_latency',
      phase: FIRST,
      rps: SIZE.emailRate,
      p50: pct(0.5),
      p99: pct(0.99),
      requests: delays.length,
      errors: 0,
    });
    log(`email latency over ${delays.length} emails: p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms`);
  }

  if (want('dispatcher')) {
    log(`dispatcher: ${SIZE.emails} queued emails`);
    await outboxEmpty();
    const ids = await insertNotifications(conn, SIZE.emails, users.agent);
    // Nothing wakes the loop for rows inserted behind its back, so it finds them at its next poll:
    // the rate is taken from the first delivery to the last.
    await waitFor(() => ids.every((m) => sink.received.has(m)), 300_000, 'the dispatcher');
    const times = ids.map((m) => sink.received.get(m)!);
    const mailsPerSecond = Math.round((SIZE.emails - 1) / ((Math.max(...times) - Math.min(...times)) / 1000));
    rows.push({
      id: 'dispatcher',
      phase: FIRST,
      rps: mailsPerSecond,
      p50: 0,
      p99: 0,
      requests: SIZE.emails,
      errors: 0,
    });
    log(`dispatcher: ${mailsPerSecond} mails/s`);
  }

  /** Subscribes the receiver (admin API); returns the webhook id. */
  const subscribe = async (events: string[]) => {
    const res = await fetch(`${api}/webhooks`, {
      method: 'POST',
      headers: { ...(await login('admin@bench.test')), 'content-type': 'application/json' },
      body: JSON.stringify({ url: `${receiver.url}/hook`, events }),
    });
    if (res.status !== 201) throw new Error(`webhook: ${res.status} ${await res.text()}`);
    return Number(((await res.json()) as { id: string }).id);
  };
  const pauseWebhooks = () => conn.query('UPDATE webhooks SET active = false');

  if (want('webhook_latency')) {
    log(`webhooks: tickets created at ${SIZE.hookRate}/s, commit → received`);
    await pauseWebhooks();
    const hook = await subscribe(['ticket.created']);
    const created = await load({
      url: `${api}/tickets`,
      method: 'POST',
      body: createBody,
      headers: creator,
      seconds: S,
      connections: 8,
      overallRate: SIZE.hookRate,
    });
    log(`created ${created.requests} tickets (p50 ${created.p50} ms, ${created.errors} errors)`);
    const [queued] = await conn.query('SELECT id FROM webhook_deliveries WHERE webhook_id = ?', [hook]);
    const ids = (queued as { id: number }[]).map((r) => String(r.id));
    await waitFor(() => ids.every((id) => receiver.received.has(id)), 120_000, 'the webhook deliveries');
    const delays = ids
      .map((id) => receiver.received.get(id)!)
      .map(([at, ts]) => at - ts)
      .sort((a, b) => a - b);
    const pct = (p: number) => delays[Math.min(delays.length - 1, Math.floor(p * delays.length))] ?? 0;
    rows.push({
      id: 'webhook_latency',
      phase: FIRST,
      rps: SIZE.hookRate,
      p50: pct(0.5),
      p99: pct(0.99),
      requests: delays.length,
      errors: created.errors,
    });
    log(`webhook latency over ${delays.length} deliveries: p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms`);
  }

  if (want('webhook_dispatcher')) {
    log(`webhook dispatcher: ${SIZE.deliveries} queued deliveries over ${HOOKS} webhooks`);
    await pauseWebhooks();
    const hooks: number[] = [];
    for (let i = 0; i < HOOKS; i++) hooks.push(await subscribe(['*']));
    const ids = await insertDeliveries(conn, SIZE.deliveries, hooks);
    // Found at the loop's next poll; the rate is taken from the first delivery to the last.
    await waitFor(() => ids.every((id) => receiver.received.has(id)), 300_000, 'the webhook dispatcher');
    const times = ids.map((id) => receiver.received.get(id)![0]);
    const perSecond = Math.round((ids.length - 1) / ((Math.max(...times) - Math.min(...times)) / 1000));
    rows.push({
      id: 'webhook_dispatcher',
      phase: FIRST,
      rps: perSecond,
      p50: 0,
      p99: 0,
      requests: ids.length,
      errors: 0,
    });
    log(`webhook dispatcher: ${perSecond} deliveries/s`);
    await pauseWebhooks();
  }
  // Inbound email: new-ticket mails from 1000 known senders, over SMTP and through the route (admin).
  const crowdEmails = Array.from({ length: 1000 }, (_, i) => `crowd${i}@bench.test`);
  if (want('inbound_smtp') || want('inbound_route') || want('inbound_25mb')) {
    await conn.query("UPDATE users SET role = 'admin' WHERE email = 'staff0@bench.test'");
  }
  const inboundAdmin = want('inbound_route') || want('inbound_25mb') ? await login('staff0@bench.test') : {};
  await scenario('inbound_smtp', FIRST, () =>
    inboundOverSmtp({
      port: inboundPort,
      seconds: S,
      connections: 8,
      senders: crowdEmails,
      to: 'support@bench.test',
      pid,
    }),
  );
  await scenario('inbound_route', FIRST, () =>
    inboundOverRoute({
      api,
      headers: inboundAdmin,
      seconds: S,
      connections: 8,
      senders: crowdEmails,
      to: 'support@bench.test',
      pid,
    }),
  );
  await scenario('inbound_25mb', FIRST, () =>
    inboundBigMessage({
      api,
      headers: inboundAdmin,
      from: 'crowd1@bench.test',
      to: 'support@bench.test',
      pid,
    }),
  );

  // ---- attachments ------------------------------------------------------------------------------
  // One upload and one download per file size, each on a fresh app (its peak RSS, VmHWM, is then that
  // size's alone), then 100 concurrent 1 MiB uploads. The rps column holds MB/s (uploads/s for the last).
  if (want('attachments')) {
    const peakRssMb = (p: number) =>
      Math.round(
        Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0) / 1024,
      );
    const appWithUploads = async () => {
      const port = await freePort();
      const child = await spawnNode(
        'dist/src/entry/node.js',
        [],
        {
          NODE_ENV: 'production',
          DATABASE_URL: url,
          SMTP_URL: sink.url,
          JWT_SECRET: 'bench-secret-that-is-at-least-32-bytes-long',
          PORT: String(port),
          // The main app's: tokens name it as their issuer.
          APP_URL: base,
          LOG_LEVEL: 'warn',
          RATE_LIMIT_PER_PRINCIPAL: '1000000',
          ATTACHMENT_MAX_BYTES: String(64 * 1024 * 1024),
          STORAGE_URL: `file:${join(dir, 'attachments')}`,
        },
        false,
      );
      const at = `http://127.0.0.1:${port}`;
      await waitFor(
        async () => (await fetch(`${at}/ready`).catch(() => null))?.status === 200,
        30_000,
        'app',
      );
      return { child, api: `${at}/api/v1` };
    };
    const multipartOf = (bytes: Buffer) => {
      const boundary = 'benchBoundary7MA4YWxkTrZu0gW';
      const body = Buffer.concat([
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="bench.bin"\r\nContent-Type: application/zip\r\n\r\n`,
        ),
        bytes,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      return { body, type: `multipart/form-data; boundary=${boundary}` };
    };
    const ticketId = openIds[0];
    const uploadOnce = async (attApi: string, bytes: Buffer) => {
      const { body, type } = multipartOf(bytes);
      const res = await fetch(`${attApi}/tickets/${ticketId}/attachments`, {
        method: 'POST',
        headers: { ...agent, 'content-type': type },
        body,
      });
      const json = (await res.json()) as { id: string };
      if (res.status !== 201) log(`upload failed: ${res.status} ${JSON.stringify(json)}`);
      return { ok: res.status === 201, id: json.id };
    };
    for (const mib of [1, 10, 50]) {
      const bytes = randomBytes(mib * 1024 * 1024);
      const { child, api: attApi } = await appWithUploads();
      try {
        const t0 = performance.now();
        const up = await uploadOnce(attApi, bytes);
        const upMs = performance.now() - t0;
        const t1 = performance.now();
        const down = await fetch(`${attApi}/attachments/${up.id}`, { headers: agent });
        const got = Buffer.from(await down.arrayBuffer());
        const downMs = performance.now() - t1;
        const rssMb = peakRssMb(child.pid!);
        const mbps = (ms: number) => Math.round((mib / (ms / 1000)) * 10) / 10;
        const errors = (up.ok ? 0 : 1) + (got.equals(bytes) ? 0 : 1);
        record(`upload_${mib}mib`, FIRST, {
          rps: mbps(upMs),
          p50: Math.round(upMs),
          p99: Math.round(upMs),
          requests: 1,
          errors,
          rssMb,
        });
        record(`download_${mib}mib`, FIRST, {
          rps: mbps(downMs),
          p50: Math.round(downMs),
          p99: Math.round(downMs),
          requests: 1,
          errors,
          rssMb,
        });
      } finally {
        await stop(child);
      }
    }
    const { child, api: attApi } = await appWithUploads();
    try {
      const mib1 = randomBytes(1024 * 1024);
      const times: number[] = [];
      const t0 = performance.now();
      const results = await Promise.all(
        Array.from({ length: 100 }, async () => {
          const started = performance.now();
          const r = await uploadOnce(attApi, mib1);
          times.push(performance.now() - started);
          return r.ok;
        }),
      );
      const seconds = (performance.now() - t0) / 1000;
      times.sort((a, b) => a - b);
      record('upload_1mib_x100', FIRST, {
        rps: Math.round((100 / seconds) * 10) / 10,
        p50: Math.round(times[49]!),
        p99: Math.round(times[98]!),
        requests: 100,
        errors: results.filter((ok) => !ok).length,
        rssMb: peakRssMb(child.pid!),
      });
    } finally {
      await stop(child);
    }
  }

  if (want('grow')) {
    log(`growing to ${SIZE.secondPhase} tickets`);
    const [[{ n }]] = (await conn.query('SELECT COUNT(*) AS n FROM tickets')) as unknown as [[{ n: number }]];
    const t1 = Date.now();
    await seedTickets(conn, users, SIZE.secondPhase - n, crowdOf, 4, SMOKE ? 5_000 : 10_000);
    await conn.query('ANALYZE TABLE tickets, messages, ticket_tags');
    feedHead = await seedEvents(conn);
    log(`seeded in ${Math.round((Date.now() - t1) / 1000)} s`);
    await settleInnodb(conn);
    if (want('report_summary_90d'))
      log(`EXPLAIN of the report summary's statements:\n${await explainReports(conn)}`);
    await readScenarios(SMOKE ? '20k' : '1M');
  }

  await conn.end();

  // ---- report -----------------------------------------------------------------------------------
  const machine = {
    cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
    parallelism: availableParallelism(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    date: new Date().toISOString(),
    smoke: SMOKE,
    secondsPerScenario: S,
    bcryptCost: BCRYPT_COST,
  };
  const ceilings = {
    bareHonoRps: bareHono.rps,
    createSqlReplayTxPerSecond: Math.round(replay.txPerSecond),
    createSqlStatements: replay.statements,
    bcryptHashesPerSecond: Math.round(raw.hashesPerSecond * 10) / 10,
    bcryptThreads: raw.threads,
  };
  mkdirSync(join(root, args.out!), { recursive: true });
  writeFileSync(
    join(root, args.out!, 'results.json'),
    `${JSON.stringify({ machine, ceilings, rows }, null, 2)}\n`,
  );
  const md = renderMarkdown(machine, ceilings, rows, SMOKE);
  writeFileSync(join(root, args.out!, 'results.md'), md);
  process.stdout.write(`\n${md}\n`);
  const failed = rows.filter((r) => r.errors > 0 && r.id !== 'transition');
  if (failed.length > 0) {
    log(`scenarios with errors: ${failed.map((r) => r.id).join(', ')}`);
    process.exitCode = 1;
  }
} finally {
  await stop(app);
  await sink.close();
  await receiver.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}

/**
 * The at-risk queue's page query alone (the derived table of `selectPage` for `sort=slaDue&sla=at_risk`,
 * the horizon being the bench policy's, 480 × 0.2 + 1 minutes): its plan, the index entries and rows it
 * read (the session's Handler counters: a count of work, free of the machine's noise), its page size, and
 * its mean time over 500 runs on one connection.
 */
async function atRiskPageQuery(conn: mysql.Connection): Promise<string> {
  const query = `SELECT id, sla_due_at FROM tickets WHERE sla_due_at > NOW(3)
    AND sla_due_at <= NOW(3) + INTERVAL ${BENCH_POLICY.resolutionMinutes * 0.2 + 1} MINUTE
    AND sla_at_risk_at <= NOW(3) ORDER BY sla_due_at, id LIMIT 26`;
  const [plan] = (await conn.query(`EXPLAIN ${query}`)) as unknown as [Record<string, unknown>[]];
  await conn.query('FLUSH STATUS');
  const [page] = (await conn.query(query)) as unknown as [unknown[]];
  const [handlers] = (await conn.query("SHOW SESSION STATUS LIKE 'Handler_read%'")) as unknown as [
    { Variable_name: string; Value: string }[],
  ];
  const reads = handlers
    .filter((h) => Number(h.Value) > 0)
    .map((h) => `${h.Variable_name.replace('Handler_read_', '')} ${h.Value}`)
    .join(', ');
  const t0 = performance.now();
  for (let i = 0; i < 500; i++) await conn.query(query);
  const meanMs = (performance.now() - t0) / 500;
  const p = plan[0] ?? {};
  return `${page.length} rows; plan ${p.type} on ${p.key} (${p.Extra}); handler reads: ${reads}; mean ${meanMs.toFixed(3)} ms over 500 runs`;
}

/**
 * Starts each size from the same idle InnoDB: the seed's undo history purged and its dirty pages flushed
 * (after the 1M seed, 10k pages sat dirty and the page cleaner left them there, so any later flush would
 * land inside a measured scenario). Flushing is hurried (dirty-page target 0, a tiny low-water mark) and
 * the wait is capped at three minutes, ten seconds in a smoke run (which checks only that the bench
 * runs); what was left, if anything, is logged.
 */
async function settleInnodb(conn: mysql.Connection) {
  const t0 = Date.now();
  const [[{ pct, lwm }]] = (await conn.query(
    'SELECT @@GLOBAL.innodb_max_dirty_pages_pct AS pct, @@GLOBAL.innodb_max_dirty_pages_pct_lwm AS lwm',
  )) as unknown as [[{ pct: number; lwm: number }]];
  // MariaDB's page cleaner stays idle with the low-water mark at 0 (its default): a tiny one makes it flush.
  await conn.query('SET GLOBAL innodb_max_dirty_pages_pct = 0, innodb_max_dirty_pages_pct_lwm = 0.001');
  let dirty = 0;
  let history = 0;
  try {
    for (;;) {
      const [[status]] = (await conn.query(
        "SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_pages_dirty'",
      )) as unknown as [[{ Value: string }]];
      dirty = Number(status.Value);
      const [[engine]] = (await conn.query('SHOW ENGINE INNODB STATUS')) as unknown as [[{ Status: string }]];
      history = Number(/History list length (\d+)/.exec(engine.Status)?.[1] ?? 0);
      if ((dirty < 200 && history < 1000) || Date.now() - t0 > (SMOKE ? 10_000 : 180_000)) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    await conn.query('SET GLOBAL innodb_max_dirty_pages_pct = ?, innodb_max_dirty_pages_pct_lwm = ?', [
      pct,
      lwm,
    ]);
  }
  log(
    `InnoDB settled in ${Math.round((Date.now() - t0) / 1000)} s (dirty pages ${dirty}, undo history ${history})`,
  );
}

/**
 * One SLA sweep over the whole table: `DUE` running clocks are made overdue (their clock started 481
 * minutes ago, the alert moment passed), then one in-process `sweepSla` writes their breach events and
 * emails. Reported as alerts/s, with the time of that sweep (p50 column) and of the next one, which finds
 * nothing (p99 column): the steady state of a sweep every 30 s. The app's own loop may take a few of
 * them (SKIP LOCKED); the row counts what this sweep wrote.
 */
/**
 * Pages through every ticket with GET /tickets/export?limit=1000, one request at a time, as a warehouse
 * sync would: `rps` holds tickets per second, p50/p99 the page latency, `rssMb` the app's peak RSS.
 */
async function exportStream(api: string, headers: Record<string, string>, pid: number): Promise<Measured> {
  const rss = sampleRss(pid);
  const times: number[] = [];
  let tickets = 0;
  let errors = 0;
  let cursor = '';
  const t0 = performance.now();
  for (;;) {
    const started = performance.now();
    const res = await fetch(`${api}/tickets/export?limit=1000${cursor ? `&cursor=${cursor}` : ''}`, {
      headers,
    });
    if (!res.ok) {
      errors++;
      log(`export_stream: ${res.status} ${(await res.text()).slice(0, 200)}`);
      break;
    }
    const page = (await res.json()) as { data: unknown[]; nextCursor: string; hasMore: boolean };
    times.push(performance.now() - started);
    tickets += page.data.length;
    cursor = page.nextCursor;
    if (!page.hasMore) break;
  }
  const seconds = (performance.now() - t0) / 1000;
  times.sort((a, b) => a - b);
  log(
    `export_stream: ${tickets} tickets in ${Math.round(seconds)} s; ended at ${Buffer.from(cursor, 'base64url').toString()}`,
  );
  return {
    rps: Math.round(tickets / seconds),
    p50: Math.round(times[Math.floor(times.length / 2)] ?? 0),
    p99: Math.round(times[Math.min(times.length - 1, Math.floor(times.length * 0.99))] ?? 0),
    requests: times.length,
    errors,
    rssMb: rss.stop(),
  };
}

async function measureSlaSweep(url: string, conn: mysql.Connection, phase: string): Promise<Row> {
  const DUE = SMOKE ? 100 : 1000;
  const { sweepSla } = await import('../src/modules/tickets/index.js');
  const { parseConfig } = await import('../src/config.js');
  const { createPoolDatabase } = await import('../src/database.js');
  const { createLogger } = await import('../src/logger.js');
  const { systemClock } = await import('../src/deps.js');
  const parsed = parseConfig({
    NODE_ENV: 'production',
    DATABASE_URL: url,
    SMTP_URL: 'smtp://127.0.0.1:1',
    JWT_SECRET: 'bench-secret-that-is-at-least-32-bytes-long',
    APP_URL: 'http://127.0.0.1:1',
  });
  if (!parsed.ok) throw new Error(parsed.message);
  const database = createPoolDatabase(url, { connectionLimit: 2 });
  const deps = {
    database,
    clock: systemClock,
    config: parsed.config,
    logger: createLogger({ level: 'silent' }),
  };
  const [[{ n: runningClocks }]] = (await conn.query(
    "SELECT COUNT(*) AS n FROM tickets WHERE sla_due_at < '9999-01-01'",
  )) as unknown as [[{ n: number }]];
  await conn.query(
    `UPDATE tickets SET sla_resolution_started_at = NOW(3) - INTERVAL 481 MINUTE, sla_next_alert_at = NOW(3) - INTERVAL 1 MINUTE,
       sla_warned = 0, sla_breached = 0
     WHERE sla_next_alert_at BETWEEN NOW(3) + INTERVAL 1 DAY AND '9999-01-01' ORDER BY sla_next_alert_at LIMIT ${DUE}`,
  );
  const [plan] = await conn.query(
    'EXPLAIN SELECT id FROM tickets WHERE sla_next_alert_at <= NOW(3) ORDER BY sla_next_alert_at LIMIT 200',
  );
  log(`sla_sweep (${phase}) work-list plan: ${JSON.stringify(plan)}`);
  let t = performance.now();
  const written = await sweepSla(deps, 200, 600_000);
  const sweepMs = Math.round(performance.now() - t);
  t = performance.now();
  await sweepSla(deps);
  const idleMs = Math.round((performance.now() - t) * 10) / 10;
  // The steady state, one pass of the 30 s loop: the clocks whose next alert moment falls within the next
  // 30 s are moved 30 s earlier (their start, due times and alert moment: as if 30 s had passed), then one
  // pass is timed. The app's own loop may take a few of them first (SKIP LOCKED); the pass's count says.
  const [moved] = (await conn.query(
    `UPDATE tickets SET sla_resolution_started_at = sla_resolution_started_at - INTERVAL 30 SECOND,
       sla_resolution_due_at = sla_resolution_due_at - INTERVAL 30 SECOND, sla_due_at = sla_due_at - INTERVAL 30 SECOND,
       sla_at_risk_at = sla_at_risk_at - INTERVAL 30 SECOND, sla_next_alert_at = sla_next_alert_at - INTERVAL 30 SECOND
     WHERE sla_next_alert_at BETWEEN NOW(3) AND NOW(3) + INTERVAL 30 SECOND AND sla_policy_id = ?`,
    [BENCH_POLICY.id],
  )) as unknown as [{ affectedRows: number }];
  t = performance.now();
  const steady = await sweepSla(deps);
  const steadyMs = Math.round(performance.now() - t);
  const perAlertMs = written > 0 ? sweepMs / written : 0;
  await database.close();
  log(
    `sla_sweep (${phase}): ${runningClocks} running clocks; ${written} alerts in ${sweepMs} ms (${perAlertMs.toFixed(1)} ms each); ` +
      `an idle pass ${idleMs} ms; a steady-state pass (the next 30 s of alert moments, ${moved.affectedRows} clocks): ${steady} alerts in ${steadyMs} ms`,
  );
  return {
    id: 'sla_sweep',
    phase,
    rps: Math.round(written / Math.max(sweepMs / 1000, 0.001)),
    p50: sweepMs,
    p99: idleMs,
    requests: written,
    errors: 0,
  };
}

/** Queues `count` staff emails straight into the outbox, in one transaction; returns their Message-IDs. */
async function insertNotifications(conn: mysql.Connection, count: number, userId: number): Promise<string[]> {
  const now = new Date();
  const rows = Array.from({ length: count }, (_, i) => [
    'ticket.created',
    'ticket_created_staff',
    'agent@bench.test',
    userId,
    JSON.stringify({
      recipient: { name: 'Bench Agent' },
      requester: { name: 'R', email: 'r@bench.test' },
      ticket: { id: String(i), subject: 'Dispatcher bench', priority: 'normal', url: 'http://x' },
      message: { body: 'Body' },
    }),
    `<bench.${i}.${now.getTime()}@bench.test>`,
    'queued',
    now,
    now,
  ]);
  await conn.query(
    'INSERT INTO notifications (event, template, recipient, recipient_user_id, payload, message_id, status, next_attempt_at, created_at) VALUES ?',
    [rows],
  );
  return rows.map((r) => r[5] as string);
}

/** Queues `count` deliveries straight into the webhook outbox, round-robin over `hooks`; returns their ids. */
async function insertDeliveries(conn: mysql.Connection, count: number, hooks: number[]): Promise<string[]> {
  const now = new Date();
  const payload = JSON.stringify({ type: 'bench', timestamp: now.toISOString(), data: {} });
  const rows = Array.from({ length: count }, (_, i) => [
    hooks[i % hooks.length],
    'bench',
    payload,
    'queued',
    now,
    now,
    now,
  ]);
  const [result] = await conn.query(
    'INSERT INTO webhook_deliveries (webhook_id, type, payload, status, next_attempt_at, queued_at, created_at) VALUES ?',
    [rows],
  );
  const first = (result as { insertId: number }).insertId;
  return Array.from({ length: count }, (_, i) => String(first + i));
}

/**
 * The statements one POST /tickets issues, in order, read back from the server's general log: the
 * request runs on an in-process copy of the app whose pool has a single connection, so every
 * statement of that connection belongs to the request.
 */
async function captureCreateStatements(
  url: string,
  _api: string,
  headers: Record<string, string>,
): Promise<{ statements: string[]; ticketId: string }> {
  const { createApp } = await import('../src/app.js');
  const { parseConfig } = await import('../src/config.js');
  const { createPoolDatabase } = await import('../src/database.js');
  const { createLogger } = await import('../src/logger.js');
  const { systemClock } = await import('../src/deps.js');
  const parsed = parseConfig({
    NODE_ENV: 'production',
    DATABASE_URL: url,
    SMTP_URL: 'smtp://127.0.0.1:1',
    JWT_SECRET: 'bench-secret-that-is-at-least-32-bytes-long',
    BCRYPT_COST: String(BCRYPT_COST),
    APP_URL: _api.replace(/\/api\/v1$/, ''),
    AUTH_RATE_LIMIT_PER_IP: '1000000',
    AUTH_RATE_LIMIT_PER_EMAIL: '1000000',
    RATE_LIMIT_PER_PRINCIPAL: '1000000',
    TICKET_CREATE_LIMIT: '1000000',
    TICKET_CREATE_LIMIT_STAFF: '1000000',
  });
  if (!parsed.ok) throw new Error(parsed.message);
  const database = createPoolDatabase(url, { connectionLimit: 1 });
  const inProcess = createApp({
    config: parsed.config,
    logger: createLogger({ level: 'silent' }),
    database,
    clock: systemClock,
  });
  const admin = await mysql.createConnection({ uri: url });
  try {
    // Warm the one connection, learn its id, then log exactly one request.
    await inProcess.request('/ready');
    const [[{ id }]] = (await database.use((db) =>
      db.execute(sql`SELECT CONNECTION_ID() AS id`),
    )) as unknown as [[{ id: number }]];
    await admin.query("SET GLOBAL log_output = 'TABLE'");
    await admin.query('TRUNCATE mysql.general_log');
    await admin.query('SET GLOBAL general_log = 1');
    const res = await inProcess.request('/api/v1/tickets', {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({
        subject: 'Bench ticket',
        body: 'Created by the benchmark.',
        priority: 'high',
        tags: ['bench'],
      }),
    });
    await admin.query('SET GLOBAL general_log = 0');
    if (res.status !== 201) throw new Error(`capture request failed: ${res.status} ${await res.text()}`);
    const [logged] = await admin.query(
      "SELECT CONVERT(argument USING utf8mb4) AS sql_text FROM mysql.general_log WHERE thread_id = ? AND command_type = 'Query' ORDER BY event_time",
      [id],
    );
    const { id: ticketId } = (await res.json()) as { id: string };
    return { statements: (logged as { sql_text: string }[]).map((r) => r.sql_text), ticketId };
  } finally {
    await admin.end();
    await database.close();
  }
}
