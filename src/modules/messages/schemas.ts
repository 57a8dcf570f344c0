import { z } from '@hono/zod-openapi';
import { ROLES } from '../../../db/schema/index.js';
import { pageOf } from '../../http/pagination.js';
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
  })
  .openapi('Message');
export type Message = z.infer<typeof Message>;

export const MessagePage = pageOf(Message, 'MessagePage');

export const CreateMessageInput = z
  .object({
    body: Body,
    internal: z.boolean().default(false).openapi({ description: 'Staff only: an internal note' }),
  })
  .openapi('CreateMessageInput');
export type CreateMessageInput = z.infer<typeof CreateMessageInput>;

export function toMessage(row: NonNullable<Awaited<ReturnType<typeof findMessage>>>): Message {
  return {
    id: String(row.id),
    ticketId: String(row.ticketId),
    author: { id: String(row.author.id), name: row.author.name, role: row.author.role },
    body: row.body,
    internal: row.internal,
    createdAt: row.createdAt.toISOString(),
  };
}
