import { abilityOf, authorize } from '../../access/index.js';
import type { ServiceContext } from '../../context.js';
import { BadRequestError } from '../../errors.js';
import { decodeCursor, toPage } from '../../http/pagination.js';
import type { AuditTargetType } from './record.js';
import * as repo from './repo.js';
import type { AuditActorView, AuditLogEntry, AuditLogPage, AuditLogQuery } from './schemas.js';

function cursorPosition(cursor: string): { createdAt: Date; id: number } {
  const [iso, id] = decodeCursor(cursor, ['string', 'number']) as [string, number];
  const createdAt = new Date(iso);
  if (Number.isNaN(createdAt.getTime()))
    throw new BadRequestError('invalid_cursor', 'The cursor is not valid; start again without one.');
  return { createdAt, id };
}

function actorView(r: repo.AuditRowView): AuditActorView {
  switch (r.actorType) {
    case 'user':
      return { type: 'user', id: String(r.actorId), name: r.actorName };
    case 'api_key':
      return { type: 'api_key', id: String(r.actorId), name: r.actorLabel };
    case 'system':
      return { type: 'system', job: r.actorLabel ?? 'unknown' };
  }
}

const toEntry = (r: repo.AuditRowView): AuditLogEntry => ({
  id: String(r.id),
  action: r.action,
  actor: actorView(r),
  target: { type: r.targetType as AuditTargetType, id: r.targetId },
  changes: r.changes ?? {},
  ip: r.ip,
  createdAt: r.createdAt.toISOString(),
});

/** GET /audit-log: admins only (the `AuditLog` subject); newest first, keyset-paginated. */
export async function list(ctx: ServiceContext, query: AuditLogQuery): Promise<AuditLogPage> {
  authorize(abilityOf(ctx), 'read', 'AuditLog');
  const actorType = query.actorType ?? (query.actorId === undefined ? undefined : 'user');
  const rows = await repo.listAuditRows(ctx.db, {
    actor: actorType && {
      type: actorType,
      id: query.actorId === undefined ? undefined : Number(query.actorId),
    },
    target: query.targetType && { type: query.targetType, id: query.targetId },
    after: query.after === undefined ? undefined : new Date(query.after),
    before: query.cursor === undefined ? undefined : cursorPosition(query.cursor),
    take: query.limit + 1,
  });
  return toPage(rows, query.limit, (r) => [r.createdAt.toISOString(), r.id], toEntry);
}
