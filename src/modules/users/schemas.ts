import { z } from '@hono/zod-openapi';
import { ROLES, type users } from '../../../db/schema/index.js';
import { PageQuery, pageOf } from '../../http/pagination.js';
import { wellFormed } from '../../http/text.js';

// The account's own shapes (email, password, name, the User itself): every module that takes or shows an
// account uses these, so they live with the accounts.

import { Email, UserName } from '../../http/people.js';

export { Email, UserName };

/** Every UTF-16 unit is at least one byte of UTF-8, so a longer string is refused without encoding it. */
const fitsBcrypt = (v: string) => v.length <= 72 && new TextEncoder().encode(v).length <= 72;
/** bcrypt reads only the first 72 bytes, so longer passwords would be silently truncated: refused instead. */
export const Password = wellFormed(
  z
    .string()
    .min(10, 'must be at least 10 characters')
    .refine(fitsBcrypt, { message: 'must be at most 72 bytes', abort: true }),
).openapi({ example: 'correct horse battery' });
/**
 * A password being checked (login, current password): no minimum, since that rule may change, but the
 * same 72-byte cap, so `72 bytes + anything` cannot log in as the first 72 bytes.
 */
export const PresentedPassword = wellFormed(
  z.string().min(1, 'is required').refine(fitsBcrypt, { message: 'must be at most 72 bytes', abort: true }),
).openapi({ example: 'correct horse battery' });

export const NotificationSettings = z
  .object({
    email: z.boolean().openapi({
      description:
        'Whether this user gets ticket emails (created, status changed, assigned, replies and notes). ' +
        '`false` opts out of all of them. Password-reset emails are always sent: they are requested by ' +
        'the account owner and are the only way back into the account.',
      example: true,
    }),
  })
  .openapi('NotificationSettings');

export const User = z
  .object({
    id: z.string().openapi({ example: '42' }),
    email: z.string(),
    name: z.string(),
    role: z.enum(ROLES),
    active: z.boolean(),
    emailVerified: z.boolean().openapi({
      description:
        'Whether the address is proven. A self-registered account starts unverified and gets no ticket ' +
        'email until its owner follows the link in the verification email; accounts created by staff ' +
        'start verified.',
      example: true,
    }),
    notifications: NotificationSettings,
    createdAt: z.string().openapi({ example: '2026-11-21T20:40:52.123Z' }),
  })
  .openapi('User');
export type User = z.infer<typeof User>;

/** The public shape of a user row: never the password hash. */
export function toUser(row: typeof users.$inferSelect): User {
  return {
    id: String(row.id),
    email: row.email,
    name: row.name,
    role: row.role,
    active: row.active,
    emailVerified: row.emailVerified,
    notifications: { email: row.notifyByEmail },
    createdAt: row.createdAt.toISOString(),
  };
}

/** Unknown members are refused (422) rather than ignored, so `{"role": "admin"}` cannot look like it worked. */
export const UpdateMeInput = z
  .strictObject({
    name: UserName.optional(),
    notifications: z.strictObject({ email: z.boolean() }).optional(),
  })
  .openapi('UpdateMeInput');
export type UpdateMeInput = z.infer<typeof UpdateMeInput>;

const query = (name: string, description: string) => ({ param: { name, in: 'query' as const }, description });

export const UserListQuery = PageQuery.extend({
  role: z.enum(ROLES).optional().openapi(query('role', 'Only users with this role')),
  active: z
    .enum(['true', 'false'])
    .optional()
    .openapi(query('active', 'Only active (`true`) or disabled (`false`) accounts')),
  q: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(200)
    .optional()
    .openapi(
      query('q', 'Case-insensitive substring of the name or the email (`%` and `_` match themselves)'),
    ),
});
export type UserListQuery = z.infer<typeof UserListQuery>;

export const UserPage = pageOf(User, 'UserPage');
export type UserPage = z.infer<typeof UserPage>;

export const CreateUserInput = z
  .object({ email: Email, name: UserName, role: z.enum(ROLES), password: Password })
  .openapi('CreateUserInput');
export type CreateUserInput = z.infer<typeof CreateUserInput>;

/** Unknown members (an `email`, a `password`) are refused with 422 rather than silently ignored. */
export const UpdateUserInput = z
  .strictObject({
    name: UserName.optional(),
    role: z.enum(ROLES).optional(),
    active: z
      .boolean()
      .optional()
      .openapi({ description: '`false` disables the account and ends its sessions' }),
  })
  .openapi('UpdateUserInput');
export type UpdateUserInput = z.infer<typeof UpdateUserInput>;
