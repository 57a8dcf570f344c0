import { ORIGIN_HEADER } from '../notifications/index.js';
import type { InboundMail } from './parse.js';

/**
 * Why a mail is machine-made (and must be dropped without an answer), or null for a person's mail.
 * Dropping every one of these is what makes a mail loop impossible: our own mail says `Auto-Submitted:
 * auto-generated` and `X-Helpdesk-Origin`, so an instance never answers another instance (or itself),
 * and RFC 3834 autoresponders, list traffic and bounces never open tickets.
 */
export function automaticReason(
  mail: InboundMail,
  envelopeFrom: string | null,
  ownDomain: string,
): string | null {
  const h = mail.headers;
  const autoSubmitted = h.get('auto-submitted')?.trim().toLowerCase();
  if (autoSubmitted && !autoSubmitted.startsWith('no'))
    return `Auto-Submitted: ${autoSubmitted.slice(0, 40)}`;
  const precedence = h.get('precedence')?.trim().toLowerCase();
  if (precedence === 'bulk' || precedence === 'junk' || precedence === 'list')
    return `Precedence: ${precedence}`;
  if (h.has(ORIGIN_HEADER)) return 'sent by a helpdesk (X-Helpdesk-Origin)';
  if (h.has('x-autoreply') || h.has('x-autorespond')) return 'autoresponder header';
  if (h.has('list-id') || h.has('list-unsubscribe')) return 'mailing list';
  if (mail.contentType.startsWith('multipart/report')) return 'delivery or read report';
  if (envelopeFrom !== null && (envelopeFrom === '' || envelopeFrom === '<>')) return 'null sender';
  // Without an envelope (a raw message posted to the route), the receiving MTA's Return-Path says it.
  if (h.get('return-path')?.replace(/\s/g, '') === '<>') return 'null sender';
  const from = mail.from ?? '';
  const local = from.slice(0, from.lastIndexOf('@'));
  if (/^(mailer-daemon|postmaster|noreply|no-reply|do-not-reply|donotreply)$/.test(local)) {
    return `sender ${local}`;
  }
  const domainSuffix = `@${ownDomain}>`;
  if (mail.messageId.endsWith(domainSuffix) && /^<[a-z_.]+\.[0-9a-f]{24}@/.test(mail.messageId)) {
    return 'our own Message-ID';
  }
  return null;
}
