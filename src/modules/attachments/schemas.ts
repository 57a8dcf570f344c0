import { z } from '@hono/zod-openapi';
import type { AttachmentRow } from './repo.js';

/** An upload, as `POST /tickets/{id}/attachments` answers it. */
export const Attachment = z
  .object({
    id: z.string().openapi({ example: '77' }),
    filename: z.string().openapi({ description: 'Sanitised', example: 'printer-error.png' }),
    contentType: z.string().openapi({
      description: 'From an allow-list; anything else is `application/octet-stream`',
      example: 'image/png',
    }),
    size: z.number().int().openapi({ description: 'Bytes', example: 48213 }),
    sha256: z.string().openapi({
      description: 'Hex SHA-256 of the bytes (also the download ETag)',
      example: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    }),
    createdAt: z.string().openapi({ example: '2026-11-21T20:40:52.123Z' }),
  })
  .openapi('Attachment');
export type Attachment = z.infer<typeof Attachment>;

/** How a message lists its attachments (download with `GET /attachments/{id}`). */
export const AttachmentRef = z
  .object({
    id: z.string(),
    filename: z.string(),
    contentType: z.string(),
    size: z.number().int(),
  })
  .openapi('AttachmentRef');
export type AttachmentRef = z.infer<typeof AttachmentRef>;

export const attachmentExample = {
  id: '77',
  filename: 'printer-error.png',
  contentType: 'image/png',
  size: 48213,
  sha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
  createdAt: '2026-11-21T20:40:52.123Z',
};

export function toAttachment(
  row: Pick<AttachmentRow, 'id' | 'filename' | 'contentType' | 'size' | 'sha256' | 'createdAt'>,
): Attachment {
  return {
    id: String(row.id),
    filename: row.filename,
    contentType: row.contentType,
    size: row.size,
    sha256: row.sha256,
    createdAt: row.createdAt.toISOString(),
  };
}

export const toAttachmentRef = (row: Pick<AttachmentRow, 'id' | 'filename' | 'contentType' | 'size'>) => ({
  id: String(row.id),
  filename: row.filename,
  contentType: row.contentType,
  size: row.size,
});
