import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { authenticated } from '../../http/auth.js';
import { serviceContext } from '../../http/context.js';
import type { AppEnv } from '../../http/env.js';
import { createRouter } from '../../http/openapi.js';
import {
  invalidBodyResponses,
  invalidCursorResponse,
  jsonBody,
  jsonContent,
  problemResponse,
  unauthenticatedResponse,
  validationFailedResponse,
} from '../../http/schemas.js';
import {
  Accepted,
  CreatedWebhook,
  CreateWebhookInput,
  DeliveryListQuery,
  DeliveryPage,
  DeliveryParams,
  UpdateWebhookInput,
  Webhook,
  WebhookIdParam,
  WebhookListQuery,
  WebhookPage,
} from './schemas.js';
import * as service from './service.js';
import { fetchTransport } from './transport.js';

const common = { tags: ['Webhooks'], ...authenticated() };
const forbidden = problemResponse('`forbidden`: the caller may not manage webhooks (admins only)', [
  'forbidden',
]);
const notFound = problemResponse('`not_found`: no such webhook (or delivery)', ['not_found']);
const urlRefused = problemResponse(
  '`validation_failed` (with `errors[]`), `invalid_url` (not an absolute http(s) URL, credentials, over 2,000 ' +
    'characters) or `url_not_allowed` (resolves to a loopback, private, link-local, metadata or other ' +
    'non-public address, or does not resolve)',
  ['validation_failed', 'invalid_url', 'url_not_allowed'],
);

const EXAMPLE_EVENTS: ('ticket.created' | 'ticket.status_changed')[] = [
  'ticket.created',
  'ticket.status_changed',
];
const example = {
  id: '3',
  url: 'https://crm.example.com/hooks/helpdesk',
  events: EXAMPLE_EVENTS,
  description: 'CRM sync',
  active: true,
  disabledAt: null,
  disabledReason: null,
  createdAt: '2026-11-21T20:40:52.123Z',
  updatedAt: '2026-11-21T20:40:52.123Z',
};
const deliveryExample = {
  id: '981',
  eventId: '5120',
  type: 'ticket.created',
  status: 'succeeded' as const,
  attempts: 1,
  responseStatus: 200,
  lastError: null,
  nextAttemptAt: null,
  deliveredAt: '2026-11-21T20:40:52.480Z',
  createdAt: '2026-11-21T20:40:52.123Z',
};

const DELIVERY =
  'Each delivery is a `POST` of `{type, timestamp, data}` (`data`: the Event of GET /events) with the ' +
  'Standard Webhooks headers `webhook-id` (the delivery id, stable across retries), `webhook-timestamp` ' +
  '(unix seconds) and `webhook-signature` (`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, keyed ' +
  'with the secret’s bytes). Deliveries are queued in the change’s transaction and sent in order per ' +
  'webhook; a non-2xx answer (redirects are not followed), a timeout (10 s) or a network error is retried ' +
  'with exponential backoff and jitter for 24 h, then the delivery is `failed`; after 5 failed deliveries ' +
  'in a row the webhook is disabled and the admins are emailed.';

const createRouteDef = createRoute({
  ...common,
  method: 'post',
  path: '/webhooks',
  operationId: 'createWebhook',
  summary: 'Subscribe a URL to ticket events (admin)',
  description: `Returns the signing secret (\`whsec_…\`) once; it is never shown again. ${DELIVERY}`,
  request: jsonBody(CreateWebhookInput, {
    url: example.url,
    events: example.events,
    description: 'CRM sync',
  }),
  responses: {
    201: {
      description: 'The webhook, with its secret',
      ...jsonContent(CreatedWebhook, { ...example, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }),
    },
    400: invalidBodyResponses[400],
    401: unauthenticatedResponse,
    403: forbidden,
    422: urlRefused,
  },
});

const listRouteDef = createRoute({
  ...common,
  method: 'get',
  path: '/webhooks',
  operationId: 'listWebhooks',
  summary: 'List webhooks (admin)',
  description: 'Oldest first, cursor-paginated. Secrets are never included.',
  request: { query: WebhookListQuery },
  responses: {
    200: {
      description: 'A page of webhooks',
      ...jsonContent(WebhookPage, { data: [example], nextCursor: null }),
    },
    400: invalidCursorResponse,
    401: unauthenticatedResponse,
    403: forbidden,
    422: validationFailedResponse,
  },
});

const getRouteDef = createRoute({
  ...common,
  method: 'get',
  path: '/webhooks/{id}',
  operationId: 'getWebhook',
  summary: 'One webhook (admin)',
  request: { params: WebhookIdParam },
  responses: {
    200: { description: 'The webhook', ...jsonContent(Webhook, example) },
    401: unauthenticatedResponse,
    403: forbidden,
    404: notFound,
  },
});

const patchRouteDef = createRoute({
  ...common,
  method: 'patch',
  path: '/webhooks/{id}',
  operationId: 'updateWebhook',
  summary: 'Change a webhook’s URL, events, description, or pause/re-enable it (admin)',
  description:
    '`active: false` pauses deliveries (they stay queued and go out, in order, once it is active again); ' +
    '`active: true` also re-enables a webhook the helpdesk disabled. A new URL is checked like a new webhook’s.',
  request: { params: WebhookIdParam, ...jsonBody(UpdateWebhookInput, { active: true }) },
  responses: {
    200: { description: 'The webhook', ...jsonContent(Webhook, example) },
    400: invalidBodyResponses[400],
    401: unauthenticatedResponse,
    403: forbidden,
    404: notFound,
    422: urlRefused,
  },
});

const deleteRouteDef = createRoute({
  ...common,
  method: 'delete',
  path: '/webhooks/{id}',
  operationId: 'deleteWebhook',
  summary: 'Delete a webhook and its delivery log (admin)',
  request: { params: WebhookIdParam },
  responses: {
    204: { description: 'Deleted: nothing more is sent to it' },
    401: unauthenticatedResponse,
    403: forbidden,
    404: notFound,
  },
});

const testRouteDef = createRoute({
  ...common,
  method: 'post',
  path: '/webhooks/{id}/test',
  operationId: 'testWebhook',
  summary: 'Send a `webhook.test` event (admin)',
  description:
    'Queues one delivery of type `webhook.test` (`data: {webhookId, message}`), sent like any other (in ' +
    'order, signed, retried); follow it in the delivery log.',
  request: { params: WebhookIdParam },
  responses: {
    202: { description: 'Queued', ...jsonContent(Accepted, { deliveryId: '982', status: 'queued' }) },
    401: unauthenticatedResponse,
    403: forbidden,
    404: notFound,
  },
});

const deliveriesRouteDef = createRoute({
  ...common,
  method: 'get',
  path: '/webhooks/{id}/deliveries',
  operationId: 'listWebhookDeliveries',
  summary: 'A webhook’s delivery log, newest first (admin)',
  request: { params: WebhookIdParam, query: DeliveryListQuery },
  responses: {
    200: {
      description: 'A page of deliveries',
      ...jsonContent(DeliveryPage, { data: [deliveryExample], nextCursor: null }),
    },
    400: invalidCursorResponse,
    401: unauthenticatedResponse,
    403: forbidden,
    404: notFound,
    422: validationFailedResponse,
  },
});

const retryRouteDef = createRoute({
  ...common,
  method: 'post',
  path: '/webhooks/{id}/deliveries/{deliveryId}/retry',
  operationId: 'retryWebhookDelivery',
  summary: 'Send a delivery again now (admin)',
  description:
    'A failed (or succeeded) delivery is queued again with a fresh 24 h of retries; a queued one becomes due ' +
    'now. It still waits for the webhook’s earlier queued deliveries, and for the webhook to be active.',
  request: { params: DeliveryParams },
  responses: {
    202: { description: 'Queued', ...jsonContent(Accepted, { deliveryId: '981', status: 'queued' }) },
    401: unauthenticatedResponse,
    403: forbidden,
    404: notFound,
  },
});

/** How this deployment resolves names and sends (the Node entry passes the address-pinning one). */
const transportOf = (c: Context<AppEnv>) => c.get('deps').webhookTransport ?? fetchTransport;

/** /webhooks and their delivery log. */
export function webhookRoutes() {
  return createRouter()
    .openapi(createRouteDef, async (c) => {
      c.set('secretFields', ['secret']);
      return c.json(await service.create(serviceContext(c), c.req.valid('json'), transportOf(c)), 201);
    })
    .openapi(listRouteDef, async (c) =>
      c.json(await service.list(serviceContext(c), c.req.valid('query')), 200),
    )
    .openapi(getRouteDef, async (c) =>
      c.json(await service.get(serviceContext(c), c.req.valid('param').id), 200),
    )
    .openapi(patchRouteDef, async (c) =>
      c.json(
        await service.update(serviceContext(c), c.req.valid('param').id, c.req.valid('json'), transportOf(c)),
        200,
      ),
    )
    .openapi(deleteRouteDef, async (c) => {
      await service.remove(serviceContext(c), c.req.valid('param').id);
      return c.body(null, 204);
    })
    .openapi(testRouteDef, async (c) =>
      c.json(await service.sendTest(serviceContext(c), c.req.valid('param').id), 202),
    )
    .openapi(deliveriesRouteDef, async (c) =>
      c.json(await service.deliveries(serviceContext(c), c.req.valid('param').id, c.req.valid('query')), 200),
    )
    .openapi(retryRouteDef, async (c) => {
      const { id, deliveryId } = c.req.valid('param');
      return c.json(await service.retry(serviceContext(c), id, deliveryId), 202);
    });
}
