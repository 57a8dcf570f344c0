import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { notifications } from '../../db/schema/index.js';
import type { Db } from '../../src/database.js';
import { createLogger } from '../../src/logger.js';
import {
  CLAIM_LEASE_MS,
  type DispatcherDeps,
  dispatchBatch,
  retryDelayMs,
  SEND_CONCURRENCY,
  startOutboxLoop,
} from '../../src/modules/notifications/dispatcher.js';
import { createSmtpMailer, type Mailer } from '../../src/modules/notifications/mailer.js';
import { enqueue, type NewNotification } from '../../src/modules/notifications/outbox.js';
import { TestClock } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { makeTicket, makeUser } from '../helpers/factories.js';
import { SINK_PASS, type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';

let tdb: TestDatabase;
let sink: SmtpSink;
let clock: TestClock;
let db: Db;

beforeAll(async () => {
  tdb = await createTestDatabase();
  sink = await startSmtpSink();
  db = await tdb.database.use(async (d) => d);
});
afterAll(async () => {
  await sink.stop();
  await tdb.drop();
});
beforeEach(async () => {
  clock = new TestClock();
  // Rows left over from an earlier test would otherwise be delivered by this one's dispatcher.
  await db.delete(notifications);
});

const mailers: Mailer[] = [];
afterEach(() => {
  for (const m of mailers.splice(0)) m.close();
});
/** A mailer for the sink, closed after the test (it keeps a pooled connection open). */
function mailerFor(url: string): Mailer {
  const m = createSmtpMailer(url);
  mailers.push(m);
  return m;
}

function dispatcher(overrides: Partial<DispatcherDeps> = {}): DispatcherDeps {
  return {
    database: tdb.database,
    mailer: mailerFor(sink.url),
    clock,
    logger: createLogger({ level: 'silent' }),
    mailFrom: 'Helpdesk <help@helpdesk.test>',
    appUrl: 'https://helpdesk.test',
    maxAgeSeconds: 24 * 3600,
    retryBaseSeconds: 30,
    ...overrides,
  };
}

async function statusChange(to: string): Promise<NewNotification> {
  const requester = await makeUser(db, { name: 'Ada <script>alert(1)</script>' });
  const ticket = await makeTicket(db, requester.id, 'Invoice & "refund" <b>now</b>');
  return {
    event: 'ticket.status_changed',
    template: 'ticket_status_changed',
    to: { email: to, userId: requester.id },
    ticketId: ticket.id,
    payload: {
      recipient: { name: requester.name },
      ticket: { id: ticket.id, subject: ticket.subject, url: `https://helpdesk.test/tickets/${ticket.id}` },
      change: { from: 'new', to: 'open', reason: null },
      actor: { name: 'Agent Smith' },
    },
  };
}

const to = (m: { envelopeTo: string[] }, address: string) => m.envelopeTo.includes(address);

describe('outbox delivery over real SMTP', () => {
  it('delivers a row committed in a transaction, rendered, escaped and threaded', async () => {
    const n = await statusChange('committed@example.test');
    await db.transaction((tx) => enqueue(tx, clock, 'helpdesk.test', [n]));

    const result = await dispatchBatch(dispatcher());
    expect(result).toMatchObject({ claimed: 1, sent: 1, retried: 0, failed: 0 });

    const [mail] = await sink.waitFor((m) => to(m, 'committed@example.test'));
    const ticketId = n.ticketId!;
    expect(mail!.parsed.subject).toBe(`[#${ticketId}] Status changed to open: Invoice & "refund" <b>now</b>`);
    expect(mail!.parsed.text).toContain('moved from new to open (Agent Smith)');
    expect(mail!.parsed.html).toContain('Ada &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(mail!.parsed.html).toContain('Invoice &amp; &quot;refund&quot; &lt;b&gt;now&lt;/b&gt;');
    expect(mail!.parsed.html).not.toContain('<script>');
    expect(mail!.parsed.inReplyTo).toBe(`<ticket-${ticketId}@helpdesk.test>`);
    expect(mail!.parsed.references).toBe(`<ticket-${ticketId}@helpdesk.test>`);

    const [row] = await db
      .select()
      .from(notifications)
      .where(eq(notifications.recipient, 'committed@example.test'));
    expect(row).toMatchObject({ status: 'sent', attempts: 1, lastError: null, claimToken: null });
    expect(row!.sentAt).toBeInstanceOf(Date);
    expect(mail!.parsed.messageId).toBe(row!.messageId);
  });

  it('never sends a row whose transaction rolled back', async () => {
    const n = await statusChange('rolledback@example.test');
    await expect(
      db.transaction(async (tx) => {
        await enqueue(tx, clock, 'helpdesk.test', [n]);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');

    expect(await dispatchBatch(dispatcher())).toMatchObject({ claimed: 0, sent: 0 });
    expect(
      await db.select().from(notifications).where(eq(notifications.recipient, 'rolledback@example.test')),
    ).toEqual([]);
    expect(sink.messages.filter((m) => to(m, 'rolledback@example.test'))).toEqual([]);
  });

  it('retries with backoff while the SMTP server is down and delivers once it is back', async () => {
    // One long-lived mailer across the outage, as the Node process has; its pool holds an open connection.
    const deps = dispatcher();
    const warmUp = await statusChange('warm-up@example.test');
    await db.transaction((tx) => enqueue(tx, clock, 'helpdesk.test', [warmUp]));
    expect(await dispatchBatch(deps)).toMatchObject({ sent: 1 });

    const n = await statusChange('outage@example.test');
    await db.transaction((tx) => enqueue(tx, clock, 'helpdesk.test', [n]));
    await sink.stop();
    try {
      const first = await dispatchBatch(deps);
      expect(first).toMatchObject({ claimed: 1, sent: 0, retried: 1 });
      const [row] = await db
        .select()
        .from(notifications)
        .where(eq(notifications.recipient, 'outage@example.test'));
      expect(row).toMatchObject({ status: 'queued', attempts: 1 });
      expect(row!.lastError).toMatch(/ECONNREFUSED|connect/i);
      expect(row!.lastError).not.toContain(SINK_PASS);
      expect(row!.nextAttemptAt.getTime() - clock.now().getTime()).toBeGreaterThan(
        retryDelayMs(1, 30) - 5000,
      );

      // Not due yet: nothing is claimed before the backoff has passed.
      expect(await dispatchBatch(deps)).toMatchObject({ claimed: 0 });
    } finally {
      await sink.start();
    }
    clock.advance(retryDelayMs(1, 30) + 1000);
    expect(await dispatchBatch(deps)).toMatchObject({ claimed: 1, sent: 1 });
    const mails = sink.messages.filter((m) => to(m, 'outage@example.test'));
    expect(mails).toHaveLength(1);
    const [row] = await db
      .select()
      .from(notifications)
      .where(eq(notifications.recipient, 'outage@example.test'));
    expect(row).toMatchObject({ status: 'sent', attempts: 2, lastError: null });
  });

  it('keeps retrying for 24 hours, at most an hour apart, then marks the row failed with the last error', async () => {
    const n = await statusChange('doomed@example.test');
    await db.transaction((tx) => enqueue(tx, clock, 'helpdesk.test', [n]));
    const deps = dispatcher({ mailer: mailerFor(sink.url.replace(SINK_PASS, 'wrong-password')) });
    const row = async () =>
      (await db.select().from(notifications).where(eq(notifications.recipient, 'doomed@example.test')))[0]!;
    const created = (await row()).createdAt.getTime();
    const gaps: number[] = [];
    for (let i = 0; i < 100; i++) {
      const r = await dispatchBatch(deps);
      expect(r.claimed).toBe(1);
      const after = await row();
      if (after.status === 'failed') break;
      // Before the default OUTBOX_MAX_AGE it is never given up on (it used to be after ~63 minutes).
      expect(clock.now().getTime() - created).toBeLessThan(24 * 3600_000);
      const wait = after.nextAttemptAt.getTime() - clock.now().getTime();
      gaps.push(wait);
      clock.advance(wait + 1000);
    }
    const last = await row();
    expect(last.status).toBe('failed');
    expect(clock.now().getTime() - created).toBeGreaterThanOrEqual(24 * 3600_000);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(3600_000);
    expect(last.lastError).toMatch(/auth|535|Invalid/i);
    expect(last.lastError).not.toContain('wrong-password');
    clock.advance(24 * 3600_000);
    expect(await dispatchBatch(deps)).toMatchObject({ claimed: 0 });
  });

  it('a row claimed by a dispatcher that crashed is delivered after the lease runs out', async () => {
    const n = await statusChange('crash@example.test');
    await db.transaction((tx) => enqueue(tx, clock, 'helpdesk.test', [n]));
    // What a dispatcher that died mid-send leaves behind: the claim, never the outcome.
    await db
      .update(notifications)
      .set({
        attempts: 1,
        claimToken: 'dead-dispatcher',
        nextAttemptAt: new Date(clock.now().getTime() + CLAIM_LEASE_MS),
      })
      .where(eq(notifications.recipient, 'crash@example.test'));
    expect(await dispatchBatch(dispatcher())).toMatchObject({ claimed: 0 });
    clock.advance(CLAIM_LEASE_MS + 1000);
    expect(await dispatchBatch(dispatcher())).toMatchObject({ claimed: 1, sent: 1 });
    expect(sink.messages.filter((m) => to(m, 'crash@example.test'))).toHaveLength(1);
  });

  it('a row whose lease ran out while its batch was busy is left to the dispatcher that took it over', async () => {
    // One more row than dispatcher A sends at once: the last one waits in A's batch while every lane is busy.
    const items: NewNotification[] = [];
    for (let i = 0; i <= SEND_CONCURRENCY; i++) items.push(await statusChange(`slow-${i}@example.test`));
    await db.transaction((tx) => enqueue(tx, clock, 'helpdesk.test', items));
    const real = mailerFor(sink.url);
    let other: Promise<unknown> | undefined;
    // A's sends all take longer than a lease; meanwhile dispatcher B claims what is due and sends it.
    const slow = {
      async send(email: Parameters<typeof real.send>[0]) {
        if (!other) {
          clock.advance(CLAIM_LEASE_MS + 1000);
          other = dispatchBatch(dispatcher());
        }
        await other;
        await real.send(email);
      },
      close: () => real.close(),
    };
    const a = await dispatchBatch(dispatcher({ mailer: slow }), SEND_CONCURRENCY + 1);
    // A row A had already renewed and begun to send goes out twice (SMTP cannot be exactly-once, see
    // README). Any row still waiting in A's batch - certainly the last, whose turn only comes after B has
    // run - is found taken over, and left alone.
    expect(a.claimed).toBe(SEND_CONCURRENCY + 1);
    expect(a.skipped).toBeGreaterThanOrEqual(1);
    expect(a.sent + a.skipped).toBe(SEND_CONCURRENCY + 1);
    const waiting = `slow-${SEND_CONCURRENCY}@example.test`;
    expect(sink.messages.filter((m) => to(m, waiting))).toHaveLength(1);
    for (const n of items) expect(sink.messages.some((m) => to(m, n.to.email))).toBe(true);
  });

  it('concurrent dispatchers send every email exactly once', async () => {
    const items: NewNotification[] = [];
    for (let i = 0; i < 30; i++) items.push(await statusChange(`race-${i}@example.test`));
    await db.transaction((tx) => enqueue(tx, clock, 'helpdesk.test', items));

    const runs = await Promise.all([1, 2, 3].map(() => dispatchBatch(dispatcher(), 10)));
    const again = await Promise.all([1, 2, 3].map(() => dispatchBatch(dispatcher(), 10)));
    const sent = [...runs, ...again].reduce((s, r) => s + r.sent, 0);
    expect(sent).toBe(30);

    const raced = sink.messages.filter((m) => m.envelopeTo.some((a) => a.startsWith('race-')));
    expect(raced).toHaveLength(30);
    expect(new Set(raced.map((m) => m.parsed.messageId)).size).toBe(30);
  });

  it('the background loop delivers queued rows by itself and stops cleanly', async () => {
    const n = await statusChange('loop@example.test');
    const loop = startOutboxLoop(dispatcher(), 50);
    try {
      await db.transaction((tx) => enqueue(tx, clock, 'helpdesk.test', [n]));
      await sink.waitFor((m) => to(m, 'loop@example.test'), 1, 5000);
    } finally {
      await loop.stop();
    }
    const [row] = await db
      .select()
      .from(notifications)
      .where(eq(notifications.recipient, 'loop@example.test'));
    expect(row!.status).toBe('sent');
  });
});
