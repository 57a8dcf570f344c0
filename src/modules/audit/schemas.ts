import { z } from '@hono/zod-openapi';
import { ROLES } from '../../../db/schema/index.js';
import { pageOf } from '../../http/pagination.js';

export const TicketEvent = z
  .object({
    id: z.string(),
    ticketId: z.string(),
    type: z.string().openapi({
      description:
        '`ticket.created`, `ticket.status_changed` `{from,to,reason?}`, `ticket.assigned` `{from,to}` (user ids), ' +
        '`ticket.priority_changed` `{from,to}`, `ticket.tags_changed` `{added,removed}`, ' +
        '`ticket.subject_changed` `{from,to}`, `message.created` `{messageId,internal}`',
      example: 'ticket.status_changed',
    }),
    actor: z
      .discriminatedUnion('type', [
        z.object({ type: z.literal('user'), id: z.string(), name: z.string(), role: z.enum(ROLES) }),
        z.object({
          type: z.literal('system'),
          job: z.string().openapi({ description: 'The job that made the change', example: 'auto_close' }),
        }),
      ])
      .openapi({
        description: 'Who made the change: a person, or the system itself (`auto_close`)',
        example: { type: 'user', id: '7', name: 'Alan Agent', role: 'agent' },
      }),
    data: z.record(z.string(), z.unknown()),
    createdAt: z.string().openapi({ example: '2026-11-21T20:40:52.123Z' }),
  })
  .openapi('TicketEvent');
export type TicketEvent = z.infer<typeof TicketEvent>;

export const TicketEventPage = pageOf(TicketEvent, 'TicketEventPage');
