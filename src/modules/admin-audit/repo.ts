import { and, desc, eq, gt, lt, lte, or, type SQL } from 'drizzle-orm';
import { type AuditActorType, type AuditChanges, adminAuditLog, users } from '../../../db/schema/index.js';
import type { Queryable } from '../../database.js';

export interface NewAuditRow {
  action: string;
  actorType: AuditActorType;
  actorId: number | null;
  actorLabel: string | null;
  targetType: string;
  targetId: string;
  changes: AuditChanges;
  ip: string | null;
  createdAt: Date;
}

export async function insertAuditRow(tx: Queryable, row: NewAuditRow): Promise<void> {
  await tx.insert(adminAuditLog).values(row);
}

export interface AuditListFilter {
  actor?: { type: AuditActorType; id?: number };
  target?: { type: string; id?: string };
  after?: Date;
  /** The keyset position of the previous page's last row: rows strictly older come next. */
  before?: { createdAt: Date; id: number };
  /** Rows to fetch (the page size plus one, to learn whether there is a next page). */
  take: number;
}

/**
 * (created_at, id) < (x, y) spelt out, with the redundant leading `created_at <= x` that lets MySQL and
 * MariaDB read it as an index range instead of scanning from the newest row (see tickets/list.ts).
 */
const olderThan = (p: { createdAt: Date; id: number }): SQL =>
  and(
    lte(adminAuditLog.createdAt, p.createdAt),
    or(
      lt(adminAuditLog.createdAt, p.createdAt),
      and(eq(adminAuditLog.createdAt, p.createdAt), lt(adminAuditLog.id, p.id)),
    ),
  )!;

/**
 * A page of audit rows, newest first. Every filter combination is a prefix of one of the table's
 * indexes followed by (created_at, id), so a page is one index range however deep it is.
 * The user behind a `user` actor is joined for their current name.
 */
export async function listAuditRows(db: Queryable, filter: AuditListFilter) {
  return db
    .select({
      id: adminAuditLog.id,
      action: adminAuditLog.action,
      actorType: adminAuditLog.actorType,
      actorId: adminAuditLog.actorId,
      actorLabel: adminAuditLog.actorLabel,
      actorName: users.name,
      targetType: adminAuditLog.targetType,
      targetId: adminAuditLog.targetId,
      changes: adminAuditLog.changes,
      ip: adminAuditLog.ip,
      createdAt: adminAuditLog.createdAt,
    })
    .from(adminAuditLog)
    .leftJoin(users, and(eq(adminAuditLog.actorType, 'user'), eq(users.id, adminAuditLog.actorId)))
    .where(
      and(
        filter.actor ? eq(adminAuditLog.actorType, filter.actor.type) : undefined,
        filter.actor?.id === undefined ? undefined : eq(adminAuditLog.actorId, filter.actor.id),
        filter.target ? eq(adminAuditLog.targetType, filter.target.type) : undefined,
        filter.target?.id === undefined ? undefined : eq(adminAuditLog.targetId, filter.target.id),
        filter.after ? gt(adminAuditLog.createdAt, filter.after) : undefined,
        filter.before ? olderThan(filter.before) : undefined,
      ),
    )
    .orderBy(desc(adminAuditLog.createdAt), desc(adminAuditLog.id))
    .limit(filter.take);
}

export type AuditRowView = Awaited<ReturnType<typeof listAuditRows>>[number];
