import { bigint, char, index, mysqlTable, uniqueIndex, varchar } from 'drizzle-orm/mysql-core';
import { apiKeys } from './api-keys.js';
import { createdAt, id, ref } from './columns.js';
import { messages, tickets } from './tickets.js';
import { users } from './users.js';

/**
 * A file uploaded to a ticket. Unbound (`messageId` null) until a message names it in `attachmentIds`;
 * then it is part of that message and as visible as the message. Unbound uploads are deleted after 24 h.
 * The bytes live in the storage driver under `storageKey` (random, never the filename), written before
 * this row is inserted.
 */
export const attachments = mysqlTable(
  'attachments',
  {
    id: id(),
    ticketId: ref('ticket_id')
      .notNull()
      .references(() => tickets.id, { onDelete: 'cascade' }),
    messageId: ref('message_id').references(() => messages.id, { onDelete: 'cascade' }),
    /** Who uploaded it: only they may bind it or read it while unbound. Null for a non-person uploader. */
    uploaderId: ref('uploader_id').references(() => users.id),
    /** The API key that uploaded it (then `uploaderId` is null): only that key may bind it. */
    uploaderApiKeyId: ref('uploader_api_key_id').references(() => apiKeys.id),
    storageKey: char('storage_key', { length: 32 }).notNull(),
    /** Sanitised (see filename.ts). */
    filename: varchar('filename', { length: 255 }).notNull(),
    /** From the allow-list, else application/octet-stream. */
    contentType: varchar('content_type', { length: 100 }).notNull(),
    size: bigint('size', { mode: 'number', unsigned: true }).notNull(),
    /** Hex SHA-256 of the bytes, computed while they streamed in. */
    sha256: char('sha256', { length: 64 }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('attachments_storage_key_uq').on(t.storageKey),
    index('attachments_ticket_uploader_idx').on(t.ticketId, t.uploaderId),
    // Serves both "the attachments of these messages" and the sweep of old unbound ones.
    index('attachments_message_created_idx').on(t.messageId, t.createdAt),
  ],
);
