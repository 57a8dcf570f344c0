import { z } from '@hono/zod-openapi';
import { INBOUND_OUTCOMES } from '../../../db/schema/index.js';
import { PageQuery, pageOf } from '../../http/pagination.js';
import type { InboundRow } from './repo.js';

export const InboundOutcome = z.enum(INBOUND_OUTCOMES).openapi('InboundOutcome', {
  description:
    '`created_ticket` (new mail), `replied` (a public message on the ticket), `follow_up` (a reply to a ' +
    'closed ticket opened a new linked one), `duplicate` (the Message-ID was seen before), `auto_reply` ' +
    '(an autoresponder, a bounce, list or helpdesk mail: dropped unanswered), `rejected` (see `detail`)',
});

export const InboundEmail = z
  .object({
    id: z.string(),
    messageId: z.string().openapi({ example: '<CAF=x1@mail.gmail.com>' }),
    from: z.string().openapi({ example: 'ada@example.com' }),
    to: z.string().openapi({ example: 'support+1a-2b-abcdefghijklmnop@example.com' }),
    subject: z.string(),
    receivedAt: z.string().openapi({ example: '2026-11-21T20:40:52.123Z' }),
    outcome: InboundOutcome,
    ticketId: z.string().nullable(),
    detail: z
      .string()
      .nullable()
      .openapi({ description: 'Why it was dropped or rejected, or how it matched' }),
    attachments: z
      .array(z.string())
      .openapi({ description: 'File names of the attachments (kept out of the message body)' }),
    source: z.enum(['smtp', 'http', 'worker']).openapi({ description: 'The door it came in by' }),
  })
  .openapi('InboundEmail');
export type InboundEmail = z.infer<typeof InboundEmail>;

export const InboundEmailPage = pageOf(InboundEmail, 'InboundEmailPage');
export const InboundEmailQuery = PageQuery;

export const inboundEmailExample: InboundEmail = {
  id: '17',
  messageId: '<CAF=x1@mail.gmail.com>',
  from: 'ada@example.com',
  to: 'support+t5-ab-abcdefghijklmnop@example.com',
  subject: 'Re: [#1042] Printer on fire',
  receivedAt: '2026-11-21T20:40:52.123Z',
  outcome: 'replied',
  ticketId: '1042',
  detail: 'matched by signed reply address',
  attachments: [],
  source: 'http',
};

export function toInboundEmail(r: InboundRow): InboundEmail {
  return {
    id: String(r.id),
    messageId: r.messageId,
    from: r.fromAddress,
    to: r.toAddress,
    subject: r.subject,
    receivedAt: r.receivedAt.toISOString(),
    outcome: r.outcome,
    ticketId: r.ticketId === null ? null : String(r.ticketId),
    detail: r.detail,
    attachments: r.attachments ?? [],
    source: r.source as InboundEmail['source'],
  };
}
