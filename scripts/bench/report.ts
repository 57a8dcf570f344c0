import type { Measured } from './load.js';

/** One line of the results: a scenario at a data size, measured, with the ceiling it is compared to. */
export interface Row extends Measured {
  id: string;
  phase: string;
  ceiling?: string;
  ceilingValue?: number;
}

/** The targets of issue 6, per scenario (checked in the report, never by a test). */
export const TARGETS: Record<string, { label: string; rps?: number; p99?: number; ratio?: number }> = {
  create_ticket: { label: 'create ticket (32 conns)', rps: 1000, p99: 50, ratio: 0.5 },
  list_own: { label: 'list own tickets (10k owned)', rps: 3000, p99: 30 },
  staff_queue: { label: 'staff queue `status=open&assignee=none&sort=-priority`', rps: 3000, p99: 30 },
  list_page_50: { label: 'list, page 50 via cursor', rps: 3000, p99: 30 },
  get_ticket: { label: 'get ticket', rps: 4000 },
  messages_page: { label: 'messages page', rps: 4000 },
  reply: { label: 'reply (32 conns)', rps: 1000 },
  transition: { label: 'transition (32 conns)', rps: 1000 },
  login: { label: 'login', ratio: 0.8 },
  get_ticket_during_logins: { label: 'get ticket at 200/s while logins saturate', p99: 50 },
  email_latency: { label: 'email: commit → accepted by SMTP (ms)', p99: 2000 },
  dispatcher: { label: 'dispatcher (mails/s)', rps: 500 },
  events_page: { label: 'change feed `GET /events`, a 25-event page mid-feed', rps: 2000 },
  events_head: { label: 'change feed, a caught-up poll (no new events)', rps: 2000 },
  get_ticket_extras: { label: 'get ticket with CCs and a follower (the full view: two queries)' },
  get_ticket_api_key: { label: 'get ticket with an API key (compare: get ticket, JWT)' },
  csat_click: { label: 'CSAT link clicked again (same rating: token, lock, page; no write)' },
  csat_rate: { label: 'CSAT rating changed (a commit with `ticket.rated` per request, 200 tickets)' },
  webhook_latency: {
    label: 'webhooks: commit → received by a local receiver at 200 changes/s (ms)',
    p99: 2000,
  },
  webhook_dispatcher: { label: 'webhook dispatcher (deliveries/s, 8 webhooks)', rps: 500 },
  sla_queue: { label: 'SLA queue `sort=slaDue&sla=at_risk`', rps: 3000, p99: 30 },
  sla_sweep: { label: 'SLA sweep: alerts/s; p50 = ms for the sweep, p99 = ms for an idle sweep' },
  upload_1mib: { label: 'upload 1 MiB (rps column: MB/s; RSS: peak of a fresh app)' },
  download_1mib: { label: 'download 1 MiB (MB/s)' },
  upload_10mib: { label: 'upload 10 MiB (MB/s; peak RSS must match the 1 MiB row)' },
  download_10mib: { label: 'download 10 MiB (MB/s)' },
  upload_50mib: { label: 'upload 50 MiB, limit raised (MB/s; peak RSS must match)' },
  download_50mib: { label: 'download 50 MiB (MB/s)' },
  upload_1mib_x100: { label: '100 concurrent 1 MiB uploads (uploads/s)' },
};

const RSS_LIMIT_MB = 200;

function verdict(r: Row): string {
  const t = TARGETS[r.id];
  if (!t) return '';
  const misses: string[] = [];
  if (t.rps && r.rps < t.rps) misses.push(`< ${t.rps}/s`);
  if (t.p99 && r.p99 > t.p99) misses.push(`p99 > ${t.p99}`);
  if ((r.id === 'email_latency' || r.id === 'webhook_latency') && r.p50 > 500) misses.push('p50 > 500');
  if (t.ratio && r.ceilingValue && r.rps / r.ceilingValue < t.ratio) misses.push(`< ${t.ratio}× ceiling`);
  if (r.rssMb && r.rssMb > RSS_LIMIT_MB) misses.push(`RSS > ${RSS_LIMIT_MB} MB`);
  return misses.length ? `miss: ${misses.join(', ')}` : 'met';
}

export function renderMarkdown(
  machine: Record<string, unknown>,
  ceilings: Record<string, number>,
  rows: Row[],
  smoke: boolean,
): string {
  const lines = [
    `# Benchmark results${smoke ? ' (smoke run: small seed, 2 s per scenario; numbers are not meaningful)' : ''}`,
    '',
    `Machine: ${machine.cpus}, ${machine.memoryGiB} GiB, Node ${machine.node}; ${machine.date}; ` +
      `${machine.secondsPerScenario} s per scenario; bcrypt cost ${machine.bcryptCost}. ` +
      'Load generator (autocannon), app and MariaDB share the machine.',
    '',
    `Ceilings: bare Hono route ${ceilings.bareHonoRps} req/s; create path SQL replayed through mysql2 ` +
      `${ceilings.createSqlReplayTxPerSecond} tx/s (${ceilings.createSqlStatements} statements, 32 connections); ` +
      `bcryptjs ${ceilings.bcryptHashesPerSecond} compares/s on ${ceilings.bcryptThreads} threads.`,
    '',
    '| scenario | data | req/s | p50 ms | p99 ms | errors | ratio to ceiling | peak RSS MB | target |',
    '|---|---|---:|---:|---:|---:|---|---:|---|',
  ];
  for (const r of rows) {
    const ratio =
      r.ceiling && r.ceilingValue
        ? `${(r.rps / r.ceilingValue).toFixed(2)} × ${r.ceiling} (${r.ceilingValue})`
        : '';
    lines.push(
      `| ${TARGETS[r.id]?.label ?? r.id} | ${r.phase} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.errors} | ${ratio} | ${r.rssMb ?? ''} | ${verdict(r)} |`,
    );
  }
  for (const [id, name] of [
    ['staff_queue', 'Staff queue'],
    ['sla_queue', 'SLA queue'],
  ] as const) {
    const small = rows.find((r) => r.id === id);
    const large = rows.filter((r) => r.id === id).at(-1);
    if (small && large && large !== small) {
      lines.push(
        '',
        `${name} latency at ${large.phase} vs ${small.phase}: p50 ${(large.p50 / Math.max(small.p50, 0.01)).toFixed(2)}×, ` +
          `p99 ${(large.p99 / Math.max(small.p99, 0.01)).toFixed(2)}× (target ≤ 1.3×).`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
