import { inArray } from 'drizzle-orm';
import { users } from '../../../db/schema/index.js';
import { isStaffRole } from '../../access/index.js';
import type { ServiceContext } from '../../context.js';
import type { Queryable } from '../../database.js';
import { type FieldError, ValidationError } from '../../errors.js';
import type { TicketRow } from './repo.js';

/**
 * Finds the customer account of an address, creating a password-less one when there is none (as inbound
 * mail does), inside the caller's transaction. The accounts module implements it; the app hands it to
 * the ticket routes, because accounts depend on tickets and not the other way round.
 */
export type CustomerAccounts = (
  tx: Queryable,
  ctx: ServiceContext,
  input: { email: string },
) => Promise<{ id: number }>;

/**
 * The account ids of a PATCH's `ccs` (already trimmed, lower-cased and deduplicated by the schema), in
 * the order given. The requester (who gets every public email anyway) and staff (who see everything and
 * follow a ticket instead) are refused with 422, one error per address, rather than silently dropped:
 * a client that sends them has misunderstood something. Nothing is written when any address fails; the
 * accounts created for the others roll back with the transaction.
 */
export async function resolveCcs(
  tx: Queryable,
  ctx: ServiceContext,
  row: Pick<TicketRow, 'requesterId'>,
  emails: string[],
  accounts: CustomerAccounts,
): Promise<number[]> {
  const ids: number[] = [];
  for (const email of emails) ids.push((await accounts(tx, ctx, { email })).id);
  const roles =
    ids.length === 0
      ? new Map()
      : new Map(
          (await tx.select({ id: users.id, role: users.role }).from(users).where(inArray(users.id, ids))).map(
            (u) => [u.id, u.role],
          ),
        );
  const errors: FieldError[] = [];
  ids.forEach((id, i) => {
    if (id === row.requesterId) errors.push({ path: `ccs.${i}`, message: 'is the requester' });
    else if (isStaffRole(roles.get(id))) {
      errors.push({ path: `ccs.${i}`, message: 'is staff: staff follow a ticket instead of being copied' });
    }
  });
  if (errors.length > 0) throw new ValidationError(errors);
  return [...new Set(ids)];
}
