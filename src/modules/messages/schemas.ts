import { z } from '@hono/zod-openapi';
import { ROLES } from '../../../db/schema/index.js';
import { Id } from '../../http/ids.js';
import { pageOf } from '../../http/pagination.js';
import { AttachmentRef } from '../attachments/index.js';
import { Body } from '../tickets/index.js';
import type { findMessage } from './repo.js';

export const Message = z
  .object({
    id: z.string(),
    ticketId: z.string(),
    author: z.object({ id: z.string(), name: z.string(), role: z.enum(ROLES) }),
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

export function toMessage(
  row: NonNullable<Awaited<ReturnType<typeof findMessage>>>,
  attachments: AttachmentRef[] = [],
): Message {
  return {
    id: String(row.id),
    ticketId: String(row.ticketId),
    author: { id: String(row.author.id), name: row.author.name, role: row.author.role },
    body: row.body,
    internal: row.internal,
    createdAt: row.createdAt.toISOString(),
    attachments,
  };
}
