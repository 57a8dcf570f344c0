import { ZodError } from 'zod';
import type { InboundOutcome } from '../../../db/schema/index.js';
import { actorUserId, emailSenderContext, type ServiceContext, withTransaction } from '../../context.js';
import { dbErrno, ER } from '../../database.js';
import { AppError, ConflictError, NotFoundError } from '../../errors.js';
import { bindAttachments, storeAttachment } from '../attachments/index.js';
import { CreateMessageInput, createMessage } from '../messages/index.js';
import { inboundRecipient, mailDomain, verifyReplyToken } from '../notifications/index.js';
import { CreateTicketInput, createTicket, resolveMergeTarget } from '../tickets/index.js';
import { findOrCreateCustomer } from '../users/index.js';
import { automaticReason } from './classify.js';
import { type InboundMail, MalformedMailError, PARSE_BYTES, parseMail, sha256Hex } from './parse.js';
import * as repo from './repo.js';

/** Which door a mail came in by. */
export type InboundSource = 'smtp' | 'http' | 'worker';

/** The SMTP envelope when there is one: `from` null when unknown (a raw message posted to the route). */
export interface Envelope {
  from: string | null;
  to: string[];
}

export interface InboundResult {
  id: number;
  messageId: string;
  outcome: InboundOutcome;
  ticketId: number | null;
  detail: string | null;
}

/** A mail the pipeline refuses (recorded as `rejected` with the reason). */
class Rejection extends Error {}

const NO_SUBJECT = '(no subject)';
const BODY_MAX = 65_535;

/** `mail.subject` as a ticket subject: one line, at most 200 characters, never empty. */
function subjectOf(mail: InboundMail): string {
  const s = mail.subject.slice(0, 200).trim();
  return s || NO_SUBJECT;
}

/** The stored body: what the sender wrote, or a line saying there was nothing but attachments. */
function bodyOf(mail: InboundMail): string {
  let body = mail.body;
  if (!body) {
    body = mail.attachmentNames.length
      ? `(no text; attachments: ${mail.attachmentNames.join(', ')})`
      : '(no text)';
  }
  return body.length > BODY_MAX ? `${body.slice(0, BODY_MAX - 14)}\n[truncated]` : body;
}

/** The ticket id of our thread root `<ticket-N@domain>` (see notifications' `ticketThreadId`). */
function threadTicketId(id: string, domain: string): number | null {
  const prefix = '<ticket-';
  const suffix = `@${domain}>`;
  if (!id.startsWith(prefix) || !id.endsWith(suffix)) return null;
  const n = id.slice(prefix.length, id.length - suffix.length);
  return /^\d{1,15}$/.test(n) ? Number(n) : null;
}

/**
 * The one inbound pipeline behind the three doors (SMTP listener, POST /inbound/email, the Worker's
 * `email()`): parses the raw message, drops machine mail, finds the ticket a reply belongs to, applies
 * it as its sender through the same verbs as the API, and records the mail and its outcome. Never throws
 * for anything about the mail itself: every mail ends as one recorded outcome. (A database outage does
 * throw: the door answers with a temporary failure so the sender retries.)
 */
export async function receiveEmail(
  ctx: ServiceContext,
  raw: Uint8Array | string,
  envelope: Envelope,
  source: InboundSource,
): Promise<InboundResult> {
  const now = ctx.clock.now();
  const base = {
    fromAddress: envelope.from ?? '',
    toAddress: envelope.to[0] ?? '',
    subject: '',
    attachments: [] as string[],
    source,
    receivedAt: now,
    dedupeKey: null,
  };
  const record = async (
    messageId: string,
    outcome: InboundOutcome,
    ticketId: number | null,
    detail: string | null,
    extra: Partial<typeof base> = {},
  ): Promise<InboundResult> => {
    const id = await repo.insertInbound(ctx.db, { ...base, ...extra, messageId, outcome, ticketId, detail });
    ctx.log.info({ inboundEmailId: id, outcome, ticketId, source }, 'inbound email');
    return { id, messageId, outcome, ticketId, detail };
  };

  const size = typeof raw === 'string' ? raw.length : raw.byteLength;
  if (size > ctx.config.inbound.maxBytes) {
    return record(
      '<too-large@inbound.invalid>',
      'rejected',
      null,
      `larger than ${ctx.config.inbound.maxBytes} bytes`,
    );
  }
  let mail: InboundMail;
  try {
    mail = await parseMail(raw);
  } catch (err) {
    if (!(err instanceof MalformedMailError)) throw err;
    const digest = await sha256Hex(
      typeof raw === 'string' ? raw.slice(0, 1 << 20) : raw.subarray(0, 1 << 20),
    );
    return record(`<sha256.${digest}@inbound.invalid>`, 'rejected', null, `malformed MIME: ${err.message}`);
  }
  const facts = {
    fromAddress: mail.from ?? envelope.from ?? '',
    toAddress:
      mail.recipients.find(
        (r) => ctx.config.inbound.address && inboundRecipient(r, ctx.config.inbound.address),
      ) ??
      envelope.to[0] ??
      mail.recipients[0] ??
      '',
    subject: mail.subject,
    attachments: mail.attachmentNames,
  };
  const ownDomain = mailDomain(ctx.config.mailFrom);
  const automatic = automaticReason(mail, envelope.from, ownDomain);
  if (automatic) return record(mail.messageId, 'auto_reply', null, automatic, facts);
  if (!mail.from) return record(mail.messageId, 'rejected', null, 'no From address', facts);
  const from = mail.from;

  // Per sender, before anything is written: a runaway autoresponder that slips past the checks above is
  // stopped here, whatever it sends.
  const { perSender, windowSeconds } = ctx.config.inbound.rateLimit;
  const windowMs = windowSeconds * 1000;
  const windowStart = new Date(now.getTime() - (now.getTime() % windowMs));
  const bucket = `inbound:${(await sha256Hex(from)).slice(0, 56)}`;
  if ((await repo.countSenderHit(ctx.db, bucket, windowStart)) > perSender) {
    return record(
      mail.messageId,
      'rejected',
      null,
      `rate limited: over ${perSender} mails per ${windowSeconds} s from this sender`,
      facts,
    );
  }

  const dedupeKey = await sha256Hex(mail.messageId);
  const seen = await repo.findByDedupeKey(ctx.db, dedupeKey);
  if (seen)
    return record(
      mail.messageId,
      'duplicate',
      seen.ticketId,
      `same Message-ID as inbound email ${seen.id}`,
      facts,
    );

  try {
    return await withTransaction(ctx, async (tx, txCtx) => {
      const id = await repo.insertInbound(tx, {
        ...base,
        ...facts,
        messageId: mail.messageId,
        dedupeKey,
        outcome: 'rejected',
        ticketId: null,
        detail: null,
      });
      const applied = await apply(txCtx, mail, envelope);
      await repo.settleInbound(tx, id, applied);
      ctx.log.info(
        { inboundEmailId: id, outcome: applied.outcome, ticketId: applied.ticketId, source },
        'inbound email',
      );
      return { id, messageId: mail.messageId, ...applied };
    });
  } catch (err) {
    if (dbErrno(err) === ER.DUP_ENTRY) {
      // The same mail, delivered twice at once: the other delivery committed first.
      const first = await repo.findByDedupeKey(ctx.db, dedupeKey);
      return record(
        mail.messageId,
        'duplicate',
        first?.ticketId ?? null,
        `same Message-ID as inbound email ${first?.id ?? '?'}`,
        facts,
      );
    }
    if (err instanceof Rejection) return record(mail.messageId, 'rejected', null, err.message, facts);
    // A domain error (validation, a limit) is about this mail; anything else is ours and propagates.
    if (err instanceof ZodError) {
      return record(mail.messageId, 'rejected', null, `invalid: ${err.issues[0]?.message ?? 'input'}`, facts);
    }
    if (err instanceof AppError)
      return record(mail.messageId, 'rejected', null, `${err.code}: ${err.message}`, facts);
    throw err;
  }
}

type Applied = { outcome: InboundOutcome; ticketId: number | null; detail: string | null };

/** Decides and applies one person's mail inside the transaction that records it. */
async function apply(ctx: ServiceContext, mail: InboundMail, envelope: Envelope): Promise<Applied> {
  const from = mail.from!;
  let sender = await repo.findSender(ctx.db, from);
  if (sender && !sender.active) throw new Rejection("the sender's account is disabled");
  if (!sender) {
    if (!ctx.config.inbound.newCustomers) throw new Rejection('unknown sender (INBOUND_NEW_CUSTOMERS=false)');
    await findOrCreateCustomer(ctx.db, ctx, {
      email: from,
      name: mail.fromName || undefined,
      actor: { type: 'system', job: 'inbound_email' },
    });
    sender = await repo.findSender(ctx.db, from);
    if (!sender) throw new Error('customer account not found after creation');
  }
  const as = emailSenderContext(ctx, sender);
  const notes: string[] = [];

  // 1. A signed reply address, from the person it was issued to.
  let target: number | null = null;
  let how = '';
  const inbound = ctx.config.inbound.address;
  if (inbound) {
    for (const rcpt of [...envelope.to.map((t) => t.toLowerCase()), ...mail.recipients]) {
      const token = inboundRecipient(rcpt, inbound)?.token;
      if (!token) continue;
      const claim = await verifyReplyToken(ctx.config.jwtSecret, token);
      if (!claim) notes.push('reply address with a bad token ignored');
      else if (claim.userId !== sender.id) notes.push('reply address issued to someone else ignored');
      else {
        target = claim.ticketId;
        how = 'signed reply address';
        break;
      }
    }
  }
  // 2. Threading headers, only for a participant of that ticket.
  if (target === null) {
    const ids = [...mail.inReplyTo, ...mail.references];
    const domain = mailDomain(ctx.config.mailFrom);
    const candidates = new Set<number>();
    for (const id of ids) {
      const t = threadTicketId(id, domain);
      if (t !== null) candidates.add(t);
    }
    for (const t of await repo.ticketsOfOurMessageIds(
      ctx.db,
      ids.filter((i) => i.endsWith(`@${domain}>`)),
    ))
      candidates.add(t);
    const parties = await repo.findTicketParties(ctx.db, [...candidates].slice(0, 20));
    const mine = parties.find((p) => p.requesterId === sender.id || p.assigneeId === sender.id);
    if (mine) {
      target = mine.id;
      how = 'In-Reply-To/References';
    } else if (candidates.size > 0) notes.push('thread headers name a ticket the sender is not part of');
  }

  const subject = subjectOf(mail);
  const body = bodyOf(mail);
  if (mail.truncatedBytes > 0)
    notes.push(`only the first ${PARSE_BYTES} bytes parsed (${mail.truncatedBytes} more)`);
  const note = (s: string) => [s, ...notes].filter(Boolean).join('; ') || null;

  if (target !== null) {
    // A reply to a merged ticket lands on the ticket it was merged into (whose CCs include the source's
    // requester, so the sender may write there).
    const merged = await resolveMergeTarget(ctx.db, target);
    if (merged !== target) {
      notes.push(`ticket ${target} was merged into ${merged}`);
      target = merged;
    }
    const [ticket] = await repo.findTicketParties(ctx.db, [target]);
    if (ticket && ticket.status !== 'closed') {
      try {
        // The files first, as the sender's uploads on the ticket; the reply binds them (in its transaction,
        // so its emails list them). Were the reply refused, they stay unused and the upload sweep deletes them.
        const attachmentIds = (await storeFiles(as, target, mail, notes)).map(String);
        await createMessage(as, target, CreateMessageInput.parse({ body, attachmentIds }), null);
        return { outcome: 'replied', ticketId: target, detail: note(`matched by ${how}`) };
      } catch (err) {
        // The sender can no longer see it (demoted, removed): never on that ticket; a new one instead.
        if (err instanceof NotFoundError) notes.push(`ticket ${target} is not visible to the sender`);
        else if (!(err instanceof ConflictError && err.code === 'ticket_closed')) throw err;
        else return followUp(as, target, subject, body, note, mail, notes);
      }
    } else if (ticket) {
      return followUp(as, target, subject, body, note, mail, notes);
    }
  }
  const created = await createTicket(as, CreateTicketInput.parse({ subject, body }), findOrCreateCustomer);
  await attachToFirstMessage(as, Number(created.id), mail, notes);
  return { outcome: 'created_ticket', ticketId: Number(created.id), detail: note('') };
}

/**
 * Stores the mail's attachments as the sender's unused uploads on `ticketId`; returns their ids. What
 * cannot become an attachment is skipped and named in `notes` (the inbound log's `detail`): past
 * ATTACHMENT_MAX_PER_MESSAGE, over ATTACHMENT_MAX_BYTES, cut by the parse limit (PARSE_BYTES), empty, or
 * refused by the store. The mail itself is applied either way.
 */
async function storeFiles(
  as: ServiceContext,
  ticketId: number,
  mail: InboundMail,
  notes: string[],
): Promise<number[]> {
  if (mail.attachments.length === 0) return [];
  const { maxBytes, maxPerMessage } = as.config.attachments;
  const uploaderId = actorUserId(as.actor);
  const ids: number[] = [];
  const skipped: string[] = [];
  for (const a of mail.attachments) {
    const why =
      ids.length >= maxPerMessage
        ? `more than ${maxPerMessage} attachments`
        : a.cut
          ? `cut by the ${PARSE_BYTES}-byte parse limit`
          : a.content.byteLength > maxBytes
            ? `over ${maxBytes} bytes`
            : a.content.byteLength === 0
              ? 'empty'
              : null;
    if (why) {
      skipped.push(`${a.filename} (${why})`);
      continue;
    }
    try {
      const stored = await storeAttachment(as, {
        ticketId,
        filename: a.filename,
        contentType: a.contentType,
        body: a.content,
        uploaderId,
      });
      ids.push(Number(stored.id));
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      skipped.push(`${a.filename} (${err.code})`);
    }
  }
  if (skipped.length > 0) notes.push(`attachments not kept: ${skipped.join(', ')}`);
  return ids;
}

/** A new ticket's attachments: stored on it and bound to its first message (the mail's text). */
async function attachToFirstMessage(
  as: ServiceContext,
  ticketId: number,
  mail: InboundMail,
  notes: string[],
): Promise<void> {
  const ids = await storeFiles(as, ticketId, mail, notes);
  if (ids.length === 0) return;
  const messageId = await repo.firstMessageId(as.db, ticketId);
  if (messageId === null) throw new Error(`ticket ${ticketId} has no first message`);
  await withTransaction(as, (tx, ctx) =>
    bindAttachments(tx, ctx, { ticketId, messageId, uploaderId: actorUserId(as.actor), ids }),
  );
}

/** A reply to a closed ticket opens a new one that names it (`ticket.created` `followUpOf`). */
async function followUp(
  as: ServiceContext,
  closedId: number,
  subject: string,
  body: string,
  note: (s: string) => string | null,
  mail: InboundMail,
  notes: string[],
): Promise<Applied> {
  const created = await createTicket(as, CreateTicketInput.parse({ subject, body }), findOrCreateCustomer, {
    followUpOf: closedId,
  });
  await attachToFirstMessage(as, Number(created.id), mail, notes);
  return {
    outcome: 'follow_up',
    ticketId: Number(created.id),
    detail: note(`follow-up of closed ticket ${closedId}`),
  };
}
