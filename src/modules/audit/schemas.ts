import { z } from '@hono/zod-openapi';
import { pageOf } from '../../http/pagination.js';
import { EventActor, EventTypeField } from '../tickets/index.js';

export const TicketEvent = z
  .object({
    id: z.string(),
    ticketId: z.string(),
    type: EventTypeField,
    actor: EventActor,
    data: z.record(z.string(), z.unknown()),
    createdAt: z.string().openapi({ example: '2026-11-21T20:40:52.123Z' }),
  })
  .openapi('TicketEvent');
export type TicketEvent = z.infer<typeof TicketEvent>;

export const TicketEventPage = pageOf(TicketEvent, 'TicketEventPage');
