import type mysql from 'mysql2/promise';
import { parseConfig } from '../../src/config.js';
import { CSAT_PATH, signCsatToken } from '../../src/modules/tickets/satisfaction-token.js';

/**
 * The CSAT scenarios' targets: `count` tickets that are `new` (the write scenarios use open ones) are
 * solved now, and each gets the link its solved email would carry, signed with the app's secret and
 * APP_URL. Returns the links' paths (without `?rating=`).
 */
export async function solvedCsatPaths(
  conn: mysql.Connection,
  env: { jwtSecret: string; appUrl: string },
  count: number,
): Promise<string[]> {
  const parsed = parseConfig({
    DATABASE_URL: 'mysql://bench@127.0.0.1:1/unused',
    SMTP_URL: 'smtp://127.0.0.1:1',
    JWT_SECRET: env.jwtSecret,
    APP_URL: env.appUrl,
  });
  if (!parsed.ok) throw new Error(parsed.message);
  const [rows] = await conn.query(
    "SELECT id, requester_id AS requesterId FROM tickets WHERE status = 'new' ORDER BY id DESC LIMIT ?",
    [count],
  );
  const tickets = rows as { id: number; requesterId: number }[];
  const solvedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
  await conn.query("UPDATE tickets SET status = 'solved', solved_at = ? WHERE id IN (?)", [
    solvedAt,
    tickets.map((t) => t.id),
  ]);
  const clock = { now: () => new Date() };
  const paths: string[] = [];
  for (const t of tickets) {
    const token = await signCsatToken(parsed.config, clock, {
      ticketId: t.id,
      solvedAtMs: solvedAt.getTime(),
      requesterId: t.requesterId,
    });
    paths.push(`${CSAT_PATH}/${encodeURIComponent(token)}`);
  }
  return paths;
}
