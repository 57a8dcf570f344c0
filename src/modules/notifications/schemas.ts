import { z } from '@hono/zod-openapi';
import { NOTIFICATION_STATUSES } from '../../../db/schema/index.js';
import { pageOf } from '../../http/pagination.js';

export const NotificationStatusView = z
  .object({
    id: z.string(),
    event: z.string().openapi({ example: 'ticket.status_changed' }),
    recipient: z.string().openapi({ example: 'ada@example.com' }),
    status: z.enum(NOTIFICATION_STATUSES),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    sentAt: z.string().nullable(),
  })
  .openapi('Notification');
export type NotificationStatusView = z.infer<typeof NotificationStatusView>;

export const NotificationPage = pageOf(NotificationStatusView, 'NotificationPage');
