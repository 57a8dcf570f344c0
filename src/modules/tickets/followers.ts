import { abilityOf } from '../../access/index.js';
import { requireUser, type ServiceContext, withTransaction } from '../../context.js';
import { ForbiddenError } from '../../errors.js';
import { commitChange } from './commit.js';
import * as repo from './repo.js';
import type { Ticket } from './schemas.js';
import { toTicket } from './service.js';
import { lockForWrite, ticketSubject } from './visibility.js';

/**
 * PUT/DELETE /tickets/:id/followers/me: the caller (staff) starts or stops following the ticket. A
 * follower is emailed about every change, internal notes included. Idempotent: following twice is one
 * follow, and changes nothing the second time. Staff-only: it writes an internal `ticket.followed` /
 * `ticket.unfollowed` event and moves only the staff's version (the requester's view is unchanged).
 */
export async function setFollowing(ctx: ServiceContext, id: number, follow: boolean): Promise<Ticket> {
  const actor = requireUser(ctx);
  const view = await withTransaction(ctx, async (tx, ctx) => {
    const row = await lockForWrite(tx, ctx, id, null);
    if (!abilityOf(ctx).can('follow', ticketSubject(row, row.ccIds))) {
      throw new ForbiddenError('forbidden', 'Only staff follow tickets.');
    }
    const changed = await repo.setFollower(tx, row.id, actor.id, follow);
    return commitChange(tx, ctx, row, {
      changes: {},
      events: changed
        ? [{ type: follow ? 'ticket.followed' : 'ticket.unfollowed', data: {}, internal: true }]
        : [],
      requesterVisible: false,
    });
  });
  return toTicket(ctx, view);
}
