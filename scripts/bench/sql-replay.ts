import { readFileSync } from 'node:fs';
import mysql from 'mysql2/promise';

// Ceiling for the create path: the exact SQL statements one POST /tickets issued (captured from the
// server's general log), replayed as fast as `connections` mysql2 connections can go.
// The captured statements name the captured ticket's id; each replay uses its own new ticket's id instead
// (as the app would), so its inserts collide with nothing.
//   node dist/scripts/bench/sql-replay.js <url> <statements.json> <connections> <seconds>
const [url, file, connections, seconds] = process.argv.slice(2);
const { statements, ticketId } = JSON.parse(readFileSync(file!, 'utf8')) as {
  statements: string[];
  ticketId: string;
};
const capturedId = new RegExp(`\\b${ticketId}\\b`, 'g');
const pool = mysql.createPool({ uri: url, connectionLimit: Number(connections), timezone: 'Z' });
const end = Date.now() + Number(seconds) * 1000;
const latencies: number[] = [];
const worker = async () => {
  const conn = await pool.getConnection();
  try {
    while (Date.now() < end) {
      const t0 = performance.now();
      let id = '';
      for (const sql of statements) {
        const [result] = await conn.query(id ? sql.replace(capturedId, id) : sql);
        if (/^insert into `tickets`/i.test(sql)) id = String((result as { insertId: number }).insertId);
      }
      latencies.push(performance.now() - t0);
    }
  } finally {
    conn.release();
  }
};
const t0 = performance.now();
await Promise.all(Array.from({ length: Number(connections) }, worker));
const elapsed = (performance.now() - t0) / 1000;
await pool.end();
latencies.sort((a, b) => a - b);
const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
process.stdout.write(
  `${JSON.stringify({ txPerSecond: latencies.length / elapsed, p50: at(0.5), p99: at(0.99), statements: statements.length })}\n`,
);
