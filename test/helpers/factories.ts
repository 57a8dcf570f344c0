import { randomBytes } from 'node:crypto';
import { type Role, tickets, users } from '../../db/schema/index.js';
import { type Db, insertId } from '../../src/database.js';
import { hashPassword } from '../../src/passwords.js';

/** Inserts a user with a unique email (no password hashing: these accounts never log in). */
export async function makeUser(db: Db, opts: { role?: Role; name?: string } = {}) {
  const email = `u-${randomBytes(5).toString('hex')}@example.test`;
  const name = opts.name ?? 'Test User';
  const result = await db.insert(users).values({ email, name, role: opts.role ?? 'user', passwordHash: 'x' });
  return { id: insertId(result), email, name };
}

/** Inserts a ticket requested by `requesterId`. */
export async function makeTicket(db: Db, requesterId: number, subject = 'Printer on fire') {
  const result = await db.insert(tickets).values({ subject, requesterId });
  return { id: insertId(result), subject };
}

/**
 * Inserts an account that can log in (a real bcrypt hash, at the tests' cost of 4): the way to get an
 * agent or admin, since public registration only creates users. Returns the password to log in with.
 */
export async function makeAccount(
  db: Db,
  role: Role = 'user',
  opts: { name?: string; active?: boolean } = {},
) {
  const email = `a-${randomBytes(5).toString('hex')}@example.test`;
  const password = `pw-${randomBytes(8).toString('hex')}`;
  const name = opts.name ?? `Test ${role}`;
  const result = await db.insert(users).values({
    email,
    name,
    role,
    active: opts.active ?? true,
    passwordHash: await hashPassword(password, 4),
  });
  return { id: insertId(result), email, password, name, role };
}
