import { sql } from 'drizzle-orm';
import { boolean, index, mysqlEnum, mysqlTable, varchar } from 'drizzle-orm/mysql-core';
import { createdAt, exactVarchar, id, timestamp } from './columns.js';

export const ROLES = ['user', 'agent', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const users = mysqlTable(
  'users',
  {
    id: id(),
    /** Trimmed and lower-cased (normaliseEmail), then compared exactly: one string, one account. */
    email: exactVarchar('email', 320).notNull().unique('users_email_unique'),
    name: varchar('name', { length: 200 }).notNull(),
    role: mysqlEnum('role', ROLES).notNull().default('user'),
    /**
     * bcrypt; null for a password-less customer account (made from an address: a ticket raised for them
     * by a key or an agent, an inbound email). Such an account cannot log in until a password reset sets one.
     */
    passwordHash: varchar('password_hash', { length: 100 }),
    active: boolean('active').notNull().default(true),
    /** Email notifications opt-out (PATCH /me `notifications`). */
    notifyByEmail: boolean('notify_by_email').notNull().default(true),
    /**
     * Whether the address is proven (the "Verified addresses" contract): no ticket email goes to an
     * unverified one. The default is true because every path but public registration (staff-created
     * accounts, the bootstrap admin, the seed) vouches for the address, and so do the rows that existed
     * before the column; registration sets false explicitly.
     */
    emailVerified: boolean('email_verified').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at').notNull().default(sql`CURRENT_TIMESTAMP(3)`),
  },
  (t) => [
    // GET /users?role=&active= lists staff in id order.
    index('users_role_active_id_idx').on(t.role, t.active, t.id),
  ],
);
