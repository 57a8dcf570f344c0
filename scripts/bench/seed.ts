import type { Connection } from 'mysql2/promise';
import { mulberry32 as rng } from '../lib/rng.js';

// Bulk seeding for the benchmark: multi-row INSERTs straight into the tables (never the API), with a
// deterministic pseudo-random mix of statuses, priorities, assignees and tags.

export interface BenchUsers {
  /** The one staff member who takes email (the email scenario counts one staff recipient per ticket). */
  agent: number;
  /** Assignees for seeded tickets (no email). */
  staff: number[];
  /** A requester with 25 tickets, one with `bigCount` tickets, and a crowd for the rest. */
  small: number;
  big: number;
  crowd: number[];
  password: string;
  emails: Record<'agent' | 'small' | 'big', string>;
}

const STATUSES = ['new', 'open', 'pending', 'on_hold', 'solved', 'closed'] as const;
const STATUS_WEIGHTS = [15, 35, 15, 5, 15, 15];
const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
const PRIORITY_WEIGHTS = [20, 50, 20, 10];
const TAGS = ['billing', 'printer', 'vpn', 'email', 'hardware', 'access', 'vip', 'bug'];

function pick<T>(items: readonly T[], weights: number[], r: number): T {
  const total = weights.reduce((a, b) => a + b, 0);
  let x = r * total;
  for (const [i, w] of weights.entries()) {
    x -= w;
    if (x < 0) return items[i]!;
  }
  return items.at(-1)!;
}

async function insertRows(conn: Connection, table: string, columns: string[], rows: unknown[][]) {
  if (rows.length === 0) return;
  await conn.query(`INSERT INTO \`${table}\` (${columns.map((c) => `\`${c}\``).join(', ')}) VALUES ?`, [
    rows,
  ]);
}

export async function seedUsers(
  conn: Connection,
  passwordHash: string,
  password: string,
): Promise<BenchUsers> {
  const now = new Date();
  const add = async (email: string, name: string, role: string, notify: boolean) => {
    const [res] = await conn.query(
      'INSERT INTO users (email, name, role, password_hash, active, notify_by_email, created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?, ?)',
      [email, name, role, passwordHash, notify ? 1 : 0, now, now],
    );
    return (res as { insertId: number }).insertId;
  };
  const agent = await add('agent@bench.test', 'Bench Agent', 'agent', true);
  const staff = [agent];
  for (let i = 0; i < 5; i++) staff.push(await add(`staff${i}@bench.test`, `Staff ${i}`, 'agent', false));
  staff.push(await add('admin@bench.test', 'Bench Admin', 'admin', false));
  // Requesters opt out of email: the email scenario measures one staff recipient per new ticket.
  const small = await add('small@bench.test', 'Small Requester', 'user', false);
  const big = await add('big@bench.test', 'Big Requester', 'user', false);
  const crowdRows = Array.from({ length: 1000 }, (_, i) => [
    `crowd${i}@bench.test`,
    `Crowd ${i}`,
    'user',
    passwordHash,
    1,
    0,
    now,
    now,
  ]);
  await insertRows(
    conn,
    'users',
    ['email', 'name', 'role', 'password_hash', 'active', 'notify_by_email', 'created_at', 'updated_at'],
    crowdRows,
  );
  const [crowd] = await conn.query("SELECT id FROM users WHERE email LIKE 'crowd%' ORDER BY id");
  return {
    agent,
    staff,
    small,
    big,
    crowd: (crowd as { id: number }[]).map((r) => r.id),
    password,
    emails: { agent: 'agent@bench.test', small: 'small@bench.test', big: 'big@bench.test' },
  };
}

/**
 * Inserts `count` tickets for `requesterOf(i)`, each with one public message, spread over the past
 * 365 days; about one in ten carries a tag. Returns the first and last id inserted.
 */
export async function seedTickets(
  conn: Connection,
  users: BenchUsers,
  count: number,
  requesterOf: (i: number) => number,
  seed: number,
  chunk = 5000,
): Promise<{ first: number; last: number }> {
  const random = rng(seed);
  const end = Date.now() - 60_000;
  let first = 0;
  let last = 0;
  for (let done = 0; done < count; done += chunk) {
    const n = Math.min(chunk, count - done);
    const tickets: unknown[][] = [];
    for (let i = 0; i < n; i++) {
      let status: (typeof STATUSES)[number] = pick(STATUSES, STATUS_WEIGHTS, random());
      const priority = pick(PRIORITIES, PRIORITY_WEIGHTS, random());
      const created = new Date(end - Math.floor(random() * 365 * 86_400_000));
      const updated = new Date(Math.min(end, created.getTime() + Math.floor(random() * 7 * 86_400_000)));
      // A steady state: tickets solved more than AUTO_CLOSE_DAYS ago would have been closed already (and
      // otherwise the app's auto-close sweep would work through them during the measurements).
      if (status === 'solved' && end - updated.getTime() > 3 * 86_400_000) status = 'closed';
      const assignee =
        status === 'new' || random() < 0.3 ? null : users.staff[Math.floor(random() * users.staff.length)]!;
      // One ticket in ten has a running resolution clock (the bench policy: 480 calendar minutes), due
      // from two hours ago to five days ahead; alerts already written where their moment has passed.
      const sla =
        (status === 'new' || status === 'open') && random() < 0.2 ? slaState(end, random()) : NO_SLA;
      // The report columns the commit path would have written: durations in calendar seconds, SLA outcomes.
      const answered = status !== 'new';
      const finished = status === 'solved' || status === 'closed';
      const secs = Math.floor((updated.getTime() - created.getTime()) / 1000);
      const report = [
        answered ? Math.floor(secs * random()) : null,
        finished ? secs : null,
        answered ? (random() < 0.9 ? 1 : 0) : null,
        finished ? (random() < 0.8 ? 1 : 0) : null,
      ];
      tickets.push([
        `Ticket ${done + i}: ${TAGS[Math.floor(random() * TAGS.length)]} problem number ${Math.floor(random() * 1e6)}`,
        status,
        priority,
        PRIORITIES.indexOf(priority) + 1,
        requesterOf(done + i),
        assignee,
        1,
        created,
        updated,
        answered ? new Date(created.getTime() + (report[0] as number) * 1000) : null,
        status === 'solved' || status === 'closed' ? updated : null,
        status === 'closed' ? updated : null,
        ...sla,
        ...report,
      ]);
    }
    const [res] = await conn.query(
      `INSERT INTO tickets (subject, status, priority, priority_rank, requester_id, assignee_id, version, created_at, updated_at, first_response_at, solved_at, closed_at, ${SLA_COLUMNS}, ${REPORT_COLUMNS}) VALUES ?`,
      [tickets],
    );
    const firstId = (res as { insertId: number }).insertId;
    if (!first) first = firstId;
    last = firstId + n - 1;
    const messages = tickets.map((t, i) => [
      firstId + i,
      t[4],
      `Hello, I have a problem with ${t[0]}. It started yesterday and it keeps happening; please help me fix it soon.`,
      0,
      t[7],
    ]);
    await insertRows(
      conn,
      'messages',
      ['ticket_id', 'author_id', 'body', 'internal', 'created_at'],
      messages,
    );
    const tags = tickets.flatMap((_, i) =>
      random() < 0.1 ? [[firstId + i, TAGS[Math.floor(random() * TAGS.length)]!]] : [],
    );
    await insertRows(conn, 'ticket_tags', ['ticket_id', 'tag'], tags);
    // Per chunk: the GROUP BY stays a small in-memory temporary table.
    await seedRollup(conn, firstId, firstId + n - 1);
  }
  return { first, last };
}

const REPORT_COLUMNS = 'first_response_secs, resolution_secs, sla_first_response_met, sla_resolution_met';

/**
 * The daily report rollup of tickets `first`..`last`, as the migration's backfill builds it (creation day,
 * latest-solve day, current unsolved status entering the backlog on the creation day), added to what is
 * there: one INSERT … SELECT per call.
 */
async function seedRollup(conn: Connection, first: number, last: number) {
  await conn.query(
    `INSERT INTO report_daily (day, group_id, assignee_id, slot, created, solved, reopened, delta_new, delta_open, delta_pending, delta_on_hold)
     SELECT d, g, a, s, SUM(c), SUM(v), 0, SUM(dn), SUM(dop), SUM(dp), SUM(dh) FROM (
       SELECT DATE(created_at) AS d, COALESCE(group_id, 0) AS g, COALESCE(assignee_id, 0) AS a, id % 8 AS s, 1 AS c, 0 AS v,
         status = 'new' AS dn, status = 'open' AS dop, status = 'pending' AS dp, status = 'on_hold' AS dh
       FROM tickets WHERE id BETWEEN ? AND ?
       UNION ALL
       SELECT DATE(solved_at), COALESCE(group_id, 0), COALESCE(assignee_id, 0), id % 8, 0, 1, 0, 0, 0, 0
       FROM tickets WHERE id BETWEEN ? AND ? AND solved_at IS NOT NULL
     ) AS r GROUP BY d, g, a, s
     ON DUPLICATE KEY UPDATE created = created + VALUES(created), solved = solved + VALUES(solved),
       delta_new = delta_new + VALUES(delta_new), delta_open = delta_open + VALUES(delta_open),
       delta_pending = delta_pending + VALUES(delta_pending), delta_on_hold = delta_on_hold + VALUES(delta_on_hold)`,
    [first, last, first, last],
  );
}

/** The bench's SLA policy: resolution in 480 calendar minutes for every ticket (`slaState` follows it). */
export const BENCH_POLICY = { id: 1, resolutionMinutes: 480 };
const SLA_COLUMNS =
  'sla_policy_id, sla_resolution_started_at, sla_resolution_due_at, sla_due_at, sla_at_risk_at, sla_next_alert_at, sla_warned, sla_breached';
const NEVER = new Date('9999-12-31T00:00:00.000Z');
const NO_SLA = [null, null, null, NEVER, NEVER, NEVER, 0, 0];
const MIN = 60_000;

/** A running resolution clock due between 2 h ago and 5 days ahead of `now`, its alerts written as due. */
function slaState(now: number, r: number): unknown[] {
  // Spread to the millisecond: on whole minutes, every alert moment of a minute fell due at once.
  const due = new Date(now - 120 * MIN + Math.floor(r * 5 * 1440 * MIN));
  const started = new Date(due.getTime() - BENCH_POLICY.resolutionMinutes * MIN);
  const atRisk = new Date(due.getTime() - 0.2 * BENCH_POLICY.resolutionMinutes * MIN);
  const breached = due.getTime() <= now;
  const warned = atRisk.getTime() <= now;
  const nextAlert = breached ? NEVER : warned ? due : atRisk;
  return [BENCH_POLICY.id, started, due, due, atRisk, nextAlert, warned ? 4 : 0, breached ? 4 : 0];
}

/** Gives one ticket a longer conversation (for the messages-page scenario). */
export async function seedConversation(conn: Connection, ticketId: number, authors: number[], count: number) {
  const now = Date.now();
  const rows = Array.from({ length: count }, (_, i) => [
    ticketId,
    authors[i % authors.length],
    `Message ${i} of a long conversation about this ticket, with enough words to look like a real reply.`,
    i % 5 === 4 ? 1 : 0,
    new Date(now - (count - i) * 60_000),
  ]);
  await insertRows(conn, 'messages', ['ticket_id', 'author_id', 'body', 'internal', 'created_at'], rows);
}

/**
 * Gives every ticket without a `ticket.created` event one (not "tickets above the highest id with events":
 * the app's SLA and auto-close sweeps write events for seeded tickets while a big seed runs), numbered for the change feed (what the
 * migration's backfill or the app's sequencer would do), following the sequencer's protocol: the
 * `feed_sequence` row is locked while numbering, so the running app's own sequencer waits, never
 * collides. Returns the highest feed position.
 */
export async function seedEvents(conn: Connection): Promise<number> {
  await conn.query(
    `INSERT INTO ticket_events (ticket_id, actor_id, type, data, internal, created_at)
     SELECT t.id, t.requester_id, 'ticket.created', '{}', 0, t.created_at FROM tickets t
     WHERE NOT EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_id = t.id AND e.type = 'ticket.created')
     ORDER BY t.id`,
  );
  await conn.query(
    'INSERT IGNORE INTO feed_sequence (id, last_seq) SELECT 1, COALESCE(MAX(seq), 0) FROM ticket_events',
  );
  await conn.query('BEGIN');
  const [[{ last }]] = (await conn.query(
    'SELECT last_seq AS last FROM feed_sequence WHERE id = 1 FOR UPDATE',
  )) as unknown as [[{ last: number }]];
  await conn.query('SET @seq = ?', [last]);
  await conn.query('UPDATE ticket_events SET seq = (@seq := @seq + 1) WHERE seq IS NULL ORDER BY id');
  const [[{ head }]] = (await conn.query('SELECT @seq AS head')) as unknown as [[{ head: number }]];
  await conn.query('UPDATE feed_sequence SET last_seq = ? WHERE id = 1', [head]);
  await conn.query('COMMIT');
  await conn.query('ANALYZE TABLE ticket_events');
  return Number(head);
}
