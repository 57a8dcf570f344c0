import { createRoute } from '@hono/zod-openapi';
import { authenticated } from '../../http/auth.js';
import { serviceContext } from '../../http/context.js';
import { IdParam } from '../../http/ids.js';
import { createRouter } from '../../http/openapi.js';
import {
  jsonContent,
  problemResponse,
  ticketNotFoundResponse,
  unauthenticatedResponse,
  validationFailedResponse,
} from '../../http/schemas.js';
import { TicketIdParam } from '../tickets/index.js';
import { contentDisposition } from './filename.js';
import { Attachment, attachmentExample } from './schemas.js';
import * as attachments from './service.js';

const tags = ['Attachments'];
const authed = authenticated();
const storageUnavailable = problemResponse(
  '`storage_unavailable`: the file store cannot be reached; nothing was stored',
  ['storage_unavailable'],
);

const uploadRoute = createRoute({
  method: 'post',
  path: '/tickets/{id}/attachments',
  operationId: 'uploadAttachment',
  tags,
  summary: 'Upload a file to attach to a reply',
  description:
    'A `multipart/form-data` body with the file in the field `file` (other fields are ignored). The file ' +
    'is streamed to storage, never held whole in memory, and hashed (SHA-256) on the way. The filename is ' +
    'sanitised (no path, controls, bidi overrides; at most 200 characters); the content type is kept only ' +
    "if it is on the allow-list, else `application/octet-stream`. The upload is the caller's alone until " +
    'a message names it in `attachmentIds`; unused uploads are deleted after 24 h. Whoever may reply to ' +
    'the ticket may upload. Not covered by `Idempotency-Key` (a retried upload is a second, unused upload).',
  ...authed,
  request: {
    params: TicketIdParam,
    body: {
      required: true,
      content: {
        'multipart/form-data': {
          schema: {
            type: 'object',
            required: ['file'],
            properties: { file: { type: 'string', format: 'binary' } },
          },
          example: { file: '(the bytes of printer-error.png)' },
        },
      },
    },
  },
  responses: {
    201: { description: 'The upload', ...jsonContent(Attachment, attachmentExample) },
    400: problemResponse('`malformed_multipart`: a broken multipart body (boundary, framing)', [
      'malformed_multipart',
    ]),
    401: unauthenticatedResponse,
    404: ticketNotFoundResponse,
    409: problemResponse('`ticket_closed`: a closed ticket takes no attachments', ['ticket_closed']),
    413: problemResponse(
      '`payload_too_large`: the file is over `ATTACHMENT_MAX_BYTES` (default 10 MiB); nothing is stored and the connection is closed',
      ['payload_too_large'],
    ),
    415: problemResponse('`unsupported_media_type`: not `multipart/form-data`', ['unsupported_media_type']),
    422: validationFailedResponse,
    503: storageUnavailable,
  },
});

const downloadRoute = createRoute({
  method: 'get',
  path: '/attachments/{id}',
  operationId: 'downloadAttachment',
  tags,
  summary: 'Download an attachment',
  description:
    'The bytes, streamed, as a download (`Content-Disposition: attachment` with an RFC 6266 filename), ' +
    "with `X-Content-Type-Options: nosniff` and `Content-Security-Policy: default-src 'none'; sandbox`, " +
    'so a browser never renders it as a page of this site. `ETag` is the quoted SHA-256; `If-None-Match` ' +
    "gets 304. Visible to whoever may see its message (an internal note's: staff only); an upload no " +
    'message took yet: only its uploader. Anyone else gets 404, as does a file whose bytes are missing ' +
    'from storage (never served, logged).',
  ...authed,
  request: { params: IdParam },
  responses: {
    200: {
      description: 'The file',
      headers: {
        'Content-Disposition': { schema: { type: 'string' } },
        'Content-Length': { schema: { type: 'integer' } },
        ETag: { schema: { type: 'string' } },
      },
      content: {
        'application/octet-stream': {
          schema: { type: 'string', format: 'binary' },
          example: '(the bytes, as uploaded)',
        },
      },
    },
    304: { description: 'Not modified (`If-None-Match` matched the ETag)' },
    401: unauthenticatedResponse,
    404: problemResponse('No such attachment, or not visible to the caller', ['not_found']),
    503: storageUnavailable,
  },
});

export function attachmentRoutes() {
  return createRouter()
    .openapi(uploadRoute, async (c) => {
      const attachment = await attachments.upload(serviceContext(c), c.req.valid('param').id, {
        contentType: c.req.header('content-type'),
        contentLength: c.req.header('content-length'),
        body: c.req.raw.body,
      });
      return c.json(attachment, 201);
    })
    .openapi(downloadRoute, async (c) => {
      const file = await attachments.download(
        serviceContext(c),
        c.req.valid('param').id,
        c.req.header('if-none-match'),
      );
      const headers: Record<string, string> = {
        ETag: `"${file.sha256}"`,
        'Cache-Control': 'private, no-cache',
        'Content-Security-Policy': "default-src 'none'; sandbox",
        'X-Content-Type-Options': 'nosniff',
      };
      if (!file.body) return c.body(null, 304, headers) as never;
      return new Response(file.body, {
        status: 200,
        headers: {
          ...headers,
          'Content-Type': file.contentType,
          'Content-Length': String(file.size),
          'Content-Disposition': contentDisposition(file.filename),
        },
      }) as never;
    });
}
