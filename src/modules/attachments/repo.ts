import { and, asc, eq, inArray, isNull, lt, sql } from 'drizzle-orm';
import { attachments, messages, ticketCcs, tickets } from '../../../db/schema/index.js';
import { affectedRows, insertId, type Queryable } from '../../database.js';

export type AttachmentRow = typeof attachments.$inferSelect;

export async function insertAttachment(
  db: Queryable,
  row: Omit<AttachmentRow, 'id' | 'messageId'> & { messageId?: number | null },
): Promise<number> {
  return insertId(await db.insert(attachments).values(row));
}

/**
 * An attachment with what its visibility depends on: its ticket's requester and CCs, and its message's
 * `internal`.
 */
export async function findWithContext(db: Queryable, id: number) {
  const [row] = await db
    .select({
      attachment: attachments,
      ticketRequesterId: tickets.requesterId,
      ticketCcIds: sql<
        string | null
      >`(SELECT GROUP_CONCAT(${ticketCcs.userId}) FROM ${ticketCcs} WHERE ${ticketCcs.ticketId} = ${tickets.id})`,
      internal: messages.internal,
    })
    .from(attachments)
    .innerJoin(tickets, eq(tickets.id, attachments.ticketId))
    .leftJoin(messages, eq(messages.id, attachments.messageId))
    .where(eq(attachments.id, id));
  return row;
}

/** The rows `ids` names, locked for the caller's transaction (binding must not race a sweep or a bind). */
export function lockForBinding(db: Queryable, ids: number[]) {
  return db
    .select({
      id: attachments.id,
      ticketId: attachments.ticketId,
      uploaderId: attachments.uploaderId,
      uploaderApiKeyId: attachments.uploaderApiKeyId,
      messageId: attachments.messageId,
      filename: attachments.filename,
      contentType: attachments.contentType,
      size: attachments.size,
    })
    .from(attachments)
    .where(inArray(attachments.id, ids))
    .for('update');
}

export async function bindToMessage(db: Queryable, ids: number[], messageId: number): Promise<number> {
  const result = await db
    .update(attachments)
    .set({ messageId })
    .where(and(inArray(attachments.id, ids), isNull(attachments.messageId)));
  return affectedRows(result);
}

/** The attachments of these messages, in upload order. */
export function ofMessages(db: Queryable, messageIds: number[]) {
  return db
    .select({
      id: attachments.id,
      messageId: attachments.messageId,
      filename: attachments.filename,
      contentType: attachments.contentType,
      size: attachments.size,
    })
    .from(attachments)
    .where(inArray(attachments.messageId, messageIds))
    .orderBy(asc(attachments.id));
}

/** Unbound uploads created before `before`, oldest first, locked and skipped if someone holds them. */
export function lockExpiredUnbound(db: Queryable, before: Date, limit: number) {
  return db
    .select({ id: attachments.id, storageKey: attachments.storageKey })
    .from(attachments)
    .where(and(isNull(attachments.messageId), lt(attachments.createdAt, before)))
    .orderBy(asc(attachments.createdAt))
    .limit(limit)
    .for('update', { skipLocked: true });
}

export async function deleteUnbound(db: Queryable, ids: number[]): Promise<number> {
  if (ids.length === 0) return 0;
  return affectedRows(
    await db.delete(attachments).where(and(inArray(attachments.id, ids), isNull(attachments.messageId))),
  );
}
