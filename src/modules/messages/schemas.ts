import { z } from '@hono/zod-openapi';
import { ROLES } from '../../../db/schema/index.js';
import { Id } from '../../http/ids.js';
import { pageOf } from '../../http/pagination.js';
import { AttachmentRef } from '../attachments/index.js';
import { Body, toEventActor } from '../tickets/index.js';
import type { findMessage } from './repo.js';

export const Message = z
  .object({
    id: z.string(),
    ticketId: z.string(),
    author: z
      .discriminatedUnion('type', [
        z.object({ type: z.literal('user'), id: z.string(), name: z.string(), role: z.enum(ROLES) }),
        z.object({ type: z.literal('api_key'), id: z.string(), name: z.string() }),
      ])
      .openapi({
        description:
          'Who wrote it: a person (`type: "user"`, with `role`, as in v1) or an integration (`type: "api_key"`)',
        example: { type: 'user', id: '7', name: 'Alan Agent', role: 'agent' },
      }),
    body: z.string(),
    internal: z
      .boolean()
      .openapi({ description: 'An internal note: staff only, never shown to the requester' }),
    createdAt: z.string().openapi({ example: '2026-11-21T20:40:52.123Z' }),
    attachments: z
      .array(AttachmentRef)
      .openapi({ description: 'Files sent with the message; download each with `GET /attachments/{id}`' }),
  })
  .openapi('Message');
export type Message = z.infer<typeof Message>;

export const MessagePage = pageOf(Message, 'MessagePage');

export const CreateMessageInput = z
  .object({
    body: Body,
    internal: z.boolean().default(false).openapi({ description: 'Staff only: an internal note' }),
    attachmentIds: z
      .array(Id.openapi({ type: 'string', example: '77' }))
      .max(100)
      .default([])
      .openapi({
        description:
          'Uploads (`POST /tickets/{id}/attachments`) to send with the message: each must be your unused ' +
          'upload on this ticket (else 422 `attachment_not_usable`); at most `ATTACHMENT_MAX_PER_MESSAGE` (10)',
        example: ['77'],
      }),
  })
  .openapi('CreateMessageInput');
export type CreateMessageInput = z.infer<typeof CreateMessageInput>;

/** The author of a message row: its person, else its key (every message has one of the two). */
function messageAuthor(row: NonNullable<Awaited<ReturnType<typeof findMessage>>>): Message['author'] {
  const author = toEventActor(row);
  if (author.type === 'system') throw new Error('a message without an author');
  return author;
}

export function toMessage(
  row: NonNullable<Awaited<ReturnType<typeof findMessage>>>,
  attachments: AttachmentRef[] = [],
): Message {
  return {
    id: String(row.id),
    ticketId: String(row.ticketId),
    author: messageAuthor(row),
    body: row.body,
    internal: row.internal,
    createdAt: row.createdAt.toISOString(),
    attachments,
  };
}
