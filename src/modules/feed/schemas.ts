import { z } from '@hono/zod-openapi';
import { PageQuery } from '../../http/pagination.js';
import { EventActor, EventTypeField } from '../tickets/index.js';

/** One event type: dotted lower-case words (`ticket.status_changed`). */
const TYPE = '[a-z][a-z_]*(?:\\.[a-z_]+)+';

export const EventFeedQuery = z.object({
  after: z
    .string()
    .max(512)
    .optional()
    .openapi({
      param: { name: 'after', in: 'query' },
      description:
        'The `nextCursor` of your previous call; leave it out to start at the oldest event. Opaque: store it as is.',
    }),
  types: z
    .string()
    .max(1000)
    .regex(new RegExp(`^${TYPE}(?:,${TYPE})*$`), 'must be event types separated by commas')
    .optional()
    .openapi({
      param: { name: 'types', in: 'query' },
      description: 'Only events of these types, comma-separated (a type no event has matches nothing)',
      example: 'ticket.created,ticket.status_changed',
    }),
  ticketId: z
    .string()
    .regex(/^[1-9]\d{0,15}$/, 'must be a ticket number')
    .optional()
    .openapi({
      param: { name: 'ticketId', in: 'query' },
      description: 'Only this ticket’s events',
      example: '1042',
    }),
  limit: PageQuery.shape.limit,
});
export type EventFeedQuery = z.infer<typeof EventFeedQuery>;

export const Event = z
  .object({
    id: z
      .string()
      .openapi({ description: 'The audit event’s id (as in GET /tickets/{id}/events)', example: '5120' }),
    type: EventTypeField,
    ticketId: z.string().openapi({ example: '1042' }),
    actor: EventActor,
    data: z.record(z.string(), z.unknown()).openapi({ example: { from: 'open', to: 'pending' } }),
    internal: z
      .boolean()
      .openapi({ description: 'True for events about internal notes (staff only)', example: false }),
    createdAt: z.string().openapi({ example: '2026-11-21T20:40:52.123Z' }),
  })
  .openapi('Event');
export type Event = z.infer<typeof Event>;

export const EventFeedPage = z
  .object({
    data: z.array(Event),
    nextCursor: z.string().openapi({
      description:
        'Where to resume: pass it as `after` next time. Never null: with no newer events it is the cursor you ' +
        'sent, so a poller always has one to store.',
      example: 'WyJmZWVkIiw1MTIwXQ',
    }),
  })
  .openapi('EventFeedPage');
export type EventFeedPage = z.infer<typeof EventFeedPage>;
