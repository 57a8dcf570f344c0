import { z } from '@hono/zod-openapi';
import { WEBHOOK_DELIVERY_STATUSES } from '../../../db/schema/index.js';
import { Id } from '../../http/ids.js';
import { PageQuery } from '../../http/pagination.js';

/**
 * The ticket event types a webhook can subscribe to: the types of the audit events (GET /events). Kept
 * here, not imported from tickets, so that this module depends on no sibling (tickets depends on it).
 */
export const WEBHOOK_EVENT_TYPES = [
  'ticket.created',
  'ticket.status_changed',
  'ticket.assigned',
  'ticket.priority_changed',
  'ticket.tags_changed',
  'ticket.subject_changed',
  'ticket.group_changed',
  'ticket.ccs_changed',
  'ticket.fields_changed',
  'ticket.merged',
  'ticket.merged_into',
  'ticket.followed',
  'ticket.unfollowed',
  'ticket.rated',
  'sla.warning',
  'sla.breached',
  'message.created',
  'notification.requeued',
] as const;

/** The type of the event `POST /webhooks/{id}/test` sends (never subscribed to: every webhook gets it). */
export const TEST_EVENT_TYPE = 'webhook.test';

const EVENTS_DESCRIPTION =
  'Event types to receive, or `["*"]` for all: ' +
  WEBHOOK_EVENT_TYPES.map((t) => `\`${t}\``).join(', ') +
  '. Each delivery carries one event of the change feed (GET /events), internal ones included.';

const EventTypes = z
  .array(z.enum([...WEBHOOK_EVENT_TYPES, '*']))
  .min(1, 'must list at least one event type, or "*"')
  .max(WEBHOOK_EVENT_TYPES.length + 1)
  .openapi({ description: EVENTS_DESCRIPTION, example: ['ticket.created', 'ticket.status_changed'] });

const UrlField = z
  .string()
  // The 2,000-character rule and the rest are checked by the service (422 `invalid_url`), with a code a
  // client can act on; this bound only keeps absurd bodies from reaching it.
  .max(10_000)
  .openapi({
    description:
      'An `http(s)` URL, at most 2,000 characters, without credentials, whose host resolves only to public ' +
      'addresses (422 `invalid_url` / `url_not_allowed` otherwise; see WEBHOOK_ALLOW_PRIVATE_URLS)',
    example: 'https://crm.example.com/hooks/helpdesk',
  });

const Description = z
  .string()
  .max(500)
  .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters')
  .openapi({ example: 'CRM sync' });

export const CreateWebhookInput = z
  .object({
    url: UrlField,
    events: EventTypes,
    description: Description.optional(),
  })
  .strict()
  .openapi('CreateWebhookInput');
export type CreateWebhookInput = z.infer<typeof CreateWebhookInput>;

export const UpdateWebhookInput = z
  .object({
    url: UrlField.optional(),
    events: EventTypes.optional(),
    description: Description.nullable().optional(),
    active: z.boolean().optional().openapi({
      description: 'false pauses deliveries (they stay queued); true re-enables a disabled webhook',
    }),
  })
  .strict()
  .openapi('UpdateWebhookInput');
export type UpdateWebhookInput = z.infer<typeof UpdateWebhookInput>;

export const Webhook = z
  .object({
    id: z.string().openapi({ example: '3' }),
    url: z.string().openapi({ example: 'https://crm.example.com/hooks/helpdesk' }),
    events: z.array(z.string()).openapi({ example: ['ticket.created'] }),
    description: z.string().nullable(),
    active: z.boolean(),
    disabledAt: z.string().nullable().openapi({
      description: 'When the helpdesk disabled it after repeated failed deliveries (null otherwise)',
    }),
    disabledReason: z.string().nullable(),
    createdAt: z.string().openapi({ example: '2026-11-21T20:40:52.123Z' }),
    updatedAt: z.string().openapi({ example: '2026-11-21T20:40:52.123Z' }),
  })
  .openapi('Webhook');
export type Webhook = z.infer<typeof Webhook>;

export const CreatedWebhook = Webhook.extend({
  secret: z.string().openapi({
    description: 'The signing secret (`whsec_…`). Shown only in this response: store it now.',
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  }),
}).openapi('CreatedWebhook');
export type CreatedWebhook = z.infer<typeof CreatedWebhook>;

export const WebhookPage = z
  .object({ data: z.array(Webhook), nextCursor: z.string().nullable() })
  .openapi('WebhookPage');

export const WebhookIdParam = z.object({
  id: Id.openapi({ param: { name: 'id', in: 'path' }, example: '3', description: 'The webhook' }),
});
export const DeliveryParams = WebhookIdParam.extend({
  deliveryId: Id.openapi({ param: { name: 'deliveryId', in: 'path' }, example: '981' }),
});

export const WebhookListQuery = PageQuery;
export const DeliveryListQuery = PageQuery;

export const WebhookDelivery = z
  .object({
    id: z
      .string()
      .openapi({ description: 'Also the `webhook-id` header, the same on every attempt', example: '981' }),
    eventId: z
      .string()
      .nullable()
      .openapi({ description: 'The event (GET /events); null for `webhook.test`' }),
    type: z.string().openapi({ example: 'ticket.created' }),
    status: z.enum(WEBHOOK_DELIVERY_STATUSES),
    attempts: z.number().int(),
    responseStatus: z.number().int().nullable().openapi({ description: 'The last attempt’s HTTP status' }),
    lastError: z.string().nullable().openapi({
      description:
        'Why the last attempt failed: a network error, a timeout, or the status and start of the body',
    }),
    nextAttemptAt: z.string().nullable().openapi({ description: 'When a queued delivery is tried next' }),
    deliveredAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('WebhookDelivery');
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;

export const DeliveryPage = z
  .object({ data: z.array(WebhookDelivery), nextCursor: z.string().nullable() })
  .openapi('WebhookDeliveryPage');

export const Accepted = z
  .object({ deliveryId: z.string().openapi({ example: '982' }), status: z.literal('queued') })
  .openapi('WebhookDeliveryQueued');
