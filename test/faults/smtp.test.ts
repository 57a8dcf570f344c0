import { like, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifications } from '../../db/schema/index.js';
import { createPoolDatabase, type Database } from '../../src/database.js';
import { createLogger } from '../../src/logger.js';
import { SEND_CONCURRENCY, startOutboxLoop } from '../../src/modules/notifications/dispatcher.js';
import { createSmtpMailer, type Mailer } from '../../src/modules/notifications/mailer.js';
import { SINK_PASS, SINK_USER, type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';
import {
  type FaultyDatabase,
  queueStatusEmails,
  sleep,
  startBlackHole,
  startFaultyDatabase,
  summary,
  until,
} from './harness.js';

// The relay refusing connections, and black-holed (accepts TCP, never greets), with email queued:
// nothing is lost, nothing is sent twice, attempts go on at the configured pace, and delivery resumes
// by itself when the relay is back.

let fdb: FaultyDatabase;
let database: Database;

beforeAll(async () => {
  fdb = await startFaultyDatabase();
  database = createPoolDatabase(fdb.url, {}, { connectionLimit: 6 });
});
afterAll(async () => {
  await database?.close();
  await fdb?.stop();
});

const queue = (count: number, tag: string) => queueStatusEmails(database, count, tag);

function loop(mailer: Mailer) {
  return startOutboxLoop(
    {
      database,
      mailer,
      clock: { now: () => new Date() },
      logger: createLogger({ level: 'silent' }),
      mailFrom: 'Helpdesk <help@helpdesk.test>',
      appUrl: 'https://helpdesk.test',
      maxAgeSeconds: 86_400,
      retryBaseSeconds: 1,
      // Short waits so the test sees several attempts; production caps at OUTBOX_MAX_RETRY_DELAY (1 h).
      maxRetryDelaySeconds: 2,
    },
    100,
  );
}

const attemptsOf = async (tag: string) =>
  Number(
    (
      await database.use((db) =>
        db
          .select({ n: sql<string>`sum(${notifications.attempts})` })
          .from(notifications)
          .where(like(notifications.recipient, `${tag}-%`)),
      )
    )[0]?.n ?? 0,
  );
const statuses = (tag: string) =>
  database.use((db) =>
    db
      .select({ status: notifications.status })
      .from(notifications)
      .where(like(notifications.recipient, `${tag}-%`)),
  );

async function deliveredOnce(sink: SmtpSink, tag: string, count: number) {
  const mine = () => sink.messages.filter((m) => m.envelopeTo[0]!.startsWith(`${tag}-`));
  await until(
    'every email delivered',
    () => new Set(mine().map((m) => m.envelopeTo[0])).size === count,
    60_000,
  );
  await until('every row sent', async () => (await statuses(tag)).every((r) => r.status === 'sent'), 10_000);
  return mine().length - count;
}

describe('SMTP faults', () => {
  it('refusing connections for 6 s: retried, then every email delivered exactly once', async () => {
    const COUNT = 20;
    const sink = await startSmtpSink();
    await sink.stop();
    const mailer = createSmtpMailer(sink.url);
    await queue(COUNT, 'refused');
    const l = loop(mailer);
    try {
      await sleep(6000);
      const attemptsDown = await attemptsOf('refused');
      expect(attemptsDown).toBeGreaterThan(COUNT);
      expect((await statuses('refused')).every((r) => r.status === 'queued')).toBe(true);
      const back = Date.now();
      await sink.start();
      const duplicates = await deliveredOnce(sink, 'refused', COUNT);
      expect(duplicates).toBe(0);
      summary('SMTP refusing 6s', {
        emails: COUNT,
        attemptsWhileDown: attemptsDown,
        duplicates,
        lost: 0,
        allDeliveredAfterBackMs: Date.now() - back,
      });
    } finally {
      await l.stop();
      mailer.close();
      await sink.stop();
    }
  });

  it('black-holed (accepts TCP, never greets) for 15 s: attempts fail fast, delivery resumes, nothing twice', async () => {
    const COUNT = 20;
    const hole = await startBlackHole();
    const mailer = createSmtpMailer(`smtp://${SINK_USER}:${SINK_PASS}@127.0.0.1:${hole.port}`);
    await queue(COUNT, 'hole');
    const l = loop(mailer);
    let sink: SmtpSink | undefined;
    try {
      const started = Date.now();
      await sleep(15_000);
      const attemptsDown = await attemptsOf('hole');
      const perMinute = Math.round((attemptsDown * 60_000) / (Date.now() - started));
      // Before: a 15 s greeting timeout, 4 at a time, about 16 attempts a minute. The 5 s timeout gives
      // each send slot a new attempt every ~5 s: at least 8 in 15 s over the 4 slots.
      expect(attemptsDown).toBeGreaterThanOrEqual(2 * SEND_CONCURRENCY);
      await hole.close();
      const back = Date.now();
      sink = await startSmtpSink(hole.port);
      const duplicates = await deliveredOnce(sink, 'hole', COUNT);
      expect(duplicates).toBe(0);
      summary('SMTP black hole 15s', {
        emails: COUNT,
        connectionsAccepted: hole.accepted,
        attemptsWhileHung: attemptsDown,
        attemptsPerMinute: perMinute,
        duplicates,
        lost: 0,
        allDeliveredAfterBackMs: Date.now() - back,
      });
    } finally {
      await l.stop();
      mailer.close();
      await sink?.stop();
    }
  });
});
