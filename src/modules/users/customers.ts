import { eq, sql } from 'drizzle-orm';
import { users } from '../../../db/schema/index.js';
import { REQUESTER_ROLE } from '../../access/index.js';
import { dbErrno, ER, insertId, type Queryable } from '../../database.js';
import type { AuditActor, AuditContext } from '../admin-audit/index.js';
import { recordUserCreated } from './audit.js';
import { normaliseEmail } from './repo.js';

// Customers the helpdesk learns about by address rather than by sign-up: a ticket raised for them by an
// API key or an agent, an inbound email, a CC. They get a password-less `user` account (they can set a
// password through password reset), counted as verified: the contract says such accounts are.

export interface CustomerInput {
  /** Any spelling: it is normalised (trimmed, lower-cased) exactly as registration does. */
  email: string;
  /** Used only when the account is created; defaults to the address's local part. */
  name?: string;
  /**
   * Who the audit row names when the context's actor is not the creator (e.g. a system job handling
   * an inbound email outside a request). Defaults to the context's actor.
   */
  actor?: AuditActor;
}

/** Longest name the `users.name` column holds. */
const NAME_MAX = 200;

function defaultName(email: string): string {
  const at = email.lastIndexOf('@');
  const local = (at > 0 ? email.slice(0, at) : email).trim();
  return (local || email).slice(0, NAME_MAX);
}

/**
 * The account a customer's address belongs to: found by its normalised address, or created as a
 * password-less, verified `user` (writing a `user.created` admin-audit row in `tx`). Disabled accounts are
 * returned as found: the caller decides what they may do.
 *
 * Race-safe: of concurrent calls for one address, one inserts and the others hit the unique index and
 * read the winner's row with a shared locking read (which sees the latest committed row even inside an
 * older snapshot). Run it inside the caller's transaction (`tx`), with the change that needs the account.
 */
export async function findOrCreateCustomer(
  tx: Queryable,
  ctx: AuditContext,
  input: CustomerInput,
): Promise<{ id: number; created: boolean }> {
  const email = normaliseEmail(input.email);
  const [found] = await tx.select({ id: users.id }).from(users).where(eq(users.email, email)).limit(1);
  if (found) return { id: found.id, created: false };

  const name = input.name?.trim().slice(0, NAME_MAX) || defaultName(email);
  const now = ctx.clock.now();
  let id: number;
  try {
    const result = await tx.insert(users).values({
      email,
      name,
      role: REQUESTER_ROLE,
      passwordHash: null,
      emailVerified: true,
      createdAt: now,
      updatedAt: now,
    });
    id = insertId(result);
  } catch (err) {
    if (dbErrno(err) !== ER.DUP_ENTRY) throw err;
    // Someone else created it since our read: theirs is the account.
    // A locking read, which sees the latest committed row whatever snapshot `tx` has. A shared lock: the
    // failed insert already holds one on that index entry, so losers never wait on each other (FOR
    // UPDATE here deadlocks them). `LOCK IN SHARE MODE` is the spelling both MariaDB and MySQL 8 accept.
    const [winner] = await tx.execute(
      sql`SELECT ${users.id} AS id FROM ${users} WHERE ${users.email} = ${email} LIMIT 1 LOCK IN SHARE MODE`,
    );
    const id = (winner as unknown as { id: number }[])[0]?.id;
    if (id === undefined) throw err;
    return { id, created: false };
  }
  await recordUserCreated(
    tx,
    ctx,
    id,
    { email, name, role: REQUESTER_ROLE },
    { action: 'user.created', actor: input.actor },
  );
  return { id, created: true };
}
