import { createRoute, z } from '@hono/zod-openapi';
import { UnsupportedMediaTypeError } from '../../errors.js';
import { authenticated } from '../../http/auth.js';
import { serviceContext } from '../../http/context.js';
import { pageExample } from '../../http/examples.js';
import { createRouter } from '../../http/openapi.js';
import {
  invalidCursorResponse,
  jsonContent,
  problemResponse,
  unauthenticatedResponse,
} from '../../http/schemas.js';
import { InboundEmail, InboundEmailPage, InboundEmailQuery, inboundEmailExample } from './schemas.js';
import * as inbound from './service.js';

const tags = ['Inbound email'];
export const INBOUND_EMAIL_PATH = '/inbound/email';

const postRoute = createRoute({
  method: 'post',
  path: INBOUND_EMAIL_PATH,
  operationId: 'postInboundEmail',
  tags,
  summary: 'Hand in one raw email (admin; API key scope `inbound:write`)',
  description:
    "For a mail provider's inbound webhook or a forwarding relay: the body is the whole raw RFC 5322 " +
    'message (`Content-Type: message/rfc822`), up to `INBOUND_MAX_BYTES` (413 above). It goes through the ' +
    'same pipeline as the SMTP listener and the Worker: a reply to a signed reply address becomes a public ' +
    'message by its sender, other mail a new ticket; duplicates, auto-replies and bounces are recorded and ' +
    'dropped. Every mail answers 200 with its recorded outcome (`rejected` included), so a provider never ' +
    'retries a mail that will not change.',
  ...authenticated(),
  request: {
    body: {
      required: true,
      content: {
        'message/rfc822': {
          schema: z.string().openapi({ format: 'binary' }),
          example:
            'From: Ada <ada@example.com>\r\nTo: support+t5-ab-abcdefghijklmnop@example.com\r\n' +
            'Subject: Re: [#1042] Printer on fire\r\nMessage-ID: <CAF=x1@mail.gmail.com>\r\n\r\nIt is the LaserJet 4.\r\n',
        },
      },
    },
  },
  responses: {
    200: {
      description: 'The mail as recorded, with its outcome',
      ...jsonContent(InboundEmail, inboundEmailExample),
    },
    401: unauthenticatedResponse,
    403: problemResponse('`forbidden`: the caller may not hand in mail'),
    413: problemResponse('`payload_too_large`: over `INBOUND_MAX_BYTES`', ['payload_too_large']),
    415: problemResponse('`unsupported_media_type`: not `message/rfc822`', ['unsupported_media_type']),
  },
});

const listRoute = createRoute({
  method: 'get',
  path: '/inbound/emails',
  operationId: 'listInboundEmails',
  tags,
  summary: 'The inbound mail log, newest first (admin)',
  description:
    'Every mail that reached any door (SMTP listener, `POST /inbound/email`, the Worker) and what became of ' +
    'it: `created_ticket`, `replied`, `follow_up`, `duplicate`, `auto_reply` or `rejected`, with the ticket ' +
    'and a `detail` saying why.',
  ...authenticated(),
  request: { query: InboundEmailQuery },
  responses: {
    200: {
      description: 'A page of inbound mail',
      ...jsonContent(InboundEmailPage, pageExample(inboundEmailExample)),
    },
    400: invalidCursorResponse,
    401: unauthenticatedResponse,
    403: problemResponse('`forbidden`: the caller is not an admin'),
    422: problemResponse('`validation_failed`: a bad `limit`'),
  },
});

/** POST /inbound/email, GET /inbound/emails. */
export function inboundRoutes() {
  return createRouter()
    .openapi(postRoute, async (c) => {
      const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== 'message/rfc822') {
        throw new UnsupportedMediaTypeError('Send the raw email with Content-Type: message/rfc822.');
      }
      const email = await inbound.post(
        serviceContext(c),
        async () => new Uint8Array(await c.req.arrayBuffer()),
      );
      return c.json(email, 200);
    })
    .openapi(listRoute, async (c) =>
      c.json(await inbound.list(serviceContext(c), c.req.valid('query')), 200),
    );
}
