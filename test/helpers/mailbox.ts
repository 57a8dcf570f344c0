import { afterAll, beforeAll } from 'vitest';
import { drainOutbox, outboxSettings } from '../../src/modules/notifications/dispatcher.js';
import { createSmtpMailer, type Mailer } from '../../src/modules/notifications/mailer.js';
import type { TestApp } from './app.js';
import type { TestDatabase } from './database.js';
import { type CapturedMail, type SmtpSink, startSmtpSink } from './smtp-sink.js';

/** One delivered email, reduced to what the tests look at. */
export interface Delivered {
  to: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  inReplyTo: string | undefined;
  references: string[];
  raw: CapturedMail;
}

export interface Mailbox {
  sink: SmtpSink;
  /** Drains the app's outbox through the real dispatcher into the SMTP sink; returns what arrived. */
  deliver(): Promise<Delivered[]>;
}

/**
 * For a file that checks emails: a real SMTP sink, and `deliver()` to run the dispatcher over the
 * test app's outbox (requests only queue email; delivery is the dispatcher's job, as in production).
 */
export function useMailbox(env: { db: TestDatabase; app: TestApp }): Mailbox {
  let mailer: Mailer;
  let seen = 0;
  const box = {} as Mailbox;
  beforeAll(async () => {
    box.sink = await startSmtpSink();
    mailer = createSmtpMailer(box.sink.url);
  });
  afterAll(async () => {
    mailer?.close();
    await box.sink?.stop();
  });
  box.deliver = async () => {
    const { config, clock, logger } = env.app.deps;
    await drainOutbox({
      database: env.db.database,
      mailer,
      clock,
      logger,
      mailFrom: config.mailFrom,
      appUrl: config.appUrl,
      maxAgeSeconds: config.outbox.maxAgeSeconds,
      maxRetryDelaySeconds: config.outbox.maxRetryDelaySeconds,
      retryBaseSeconds: config.outbox.retryBaseSeconds,
      replyTo: outboxSettings(config).replyTo,
    });
    const fresh = box.sink.messages.slice(seen);
    seen = box.sink.messages.length;
    return fresh.map(delivered);
  };
  return box;
}

/** A captured email reduced to what the tests look at. */
export function delivered(m: CapturedMail): Delivered {
  const refs = m.parsed.references;
  return {
    to: m.envelopeTo.join(','),
    subject: m.parsed.subject ?? '',
    text: m.parsed.text ?? '',
    html: typeof m.parsed.html === 'string' ? m.parsed.html : '',
    messageId: m.parsed.messageId ?? '',
    inReplyTo: m.parsed.inReplyTo,
    references: refs === undefined ? [] : Array.isArray(refs) ? refs : [refs],
    raw: m,
  };
}
