import type { Connection } from 'mysql2/promise';

/**
 * EXPLAIN of the report summary's heaviest statements over the last 90 days (the SQL drizzle sends for
 * src/modules/reports/repo.ts `durationStats`, `rollupTotals` and `backlogUpTo`): a range of a covering
 * index and a sort of the durations, never a scan of the events. docs/PERFORMANCE.md shows the output.
 */
export async function explainReports(conn: Connection): Promise<string> {
  const start = new Date(Date.now() - 89 * 86_400_000);
  start.setUTCHours(0, 0, 0, 0);
  const end = new Date();
  const day = (d: Date) => d.toISOString().slice(0, 10);
  const statements: [string, string, unknown[]][] = [
    [
      'resolution p90 (nearest rank: ORDER BY … LIMIT 1 OFFSET k-1)',
      'SELECT resolution_secs FROM tickets WHERE solved_at >= ? AND solved_at < ? AND resolution_secs IS NOT NULL ORDER BY resolution_secs LIMIT 1 OFFSET 1000',
      [start, end],
    ],
    [
      'first-response count and SLA met',
      'SELECT COUNT(*), SUM(sla_first_response_met = 1), COUNT(sla_first_response_met) FROM tickets WHERE first_response_at >= ? AND first_response_at < ? AND first_response_secs IS NOT NULL',
      [start, end],
    ],
    [
      'rollup totals',
      'SELECT SUM(created), SUM(solved), SUM(reopened) FROM report_daily WHERE day >= ? AND day <= ?',
      [day(start), day(end)],
    ],
    [
      'backlog at the end of the range',
      'SELECT SUM(delta_new), SUM(delta_open), SUM(delta_pending), SUM(delta_on_hold) FROM report_daily WHERE day <= ?',
      [day(end)],
    ],
  ];
  const out: string[] = [];
  for (const [title, text, params] of statements) {
    const [rows] = await conn.query(`EXPLAIN ${text}`, params);
    out.push(`-- ${title}`, text);
    for (const r of rows as Record<string, unknown>[]) {
      out.push(`  table=${r.table} type=${r.type} key=${r.key} rows=${r.rows} Extra=${r.Extra ?? ''}`);
    }
  }
  return out.join('\n');
}
