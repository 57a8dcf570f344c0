import { z } from '@hono/zod-openapi';
import { ROLES, type users } from '../../../db/schema/index.js';

export const Email = z
  .email('must be a valid email address')
  .max(320)
  .openapi({ example: 'ada@example.com' });
/** bcrypt reads only the first 72 bytes, so longer passwords would be silently truncated: refused instead. */
export const Password = z
  .string()
  .min(10, 'must be at least 10 characters')
  .refine((v) => new TextEncoder().encode(v).length <= 72, 'must be at most 72 bytes')
  .openapi({ example: 'correct horse battery' });

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

export const UserName = z.string().trim().min(1, 'is required').max(200).openapi({ example: 'Ada Lovelace' });

export const RegisterInput = z
  .object({
    email: Email,
    password: Password,
    name: UserName,
  })
  .openapi('RegisterInput');
export type RegisterInput = z.infer<typeof RegisterInput>;

export const LoginInput = z
  .object({ email: z.string().min(1).max(320), password: z.string().min(1).max(200) })
  .openapi('LoginInput');
export type LoginInput = z.infer<typeof LoginInput>;

export const RefreshInput = z.object({ refreshToken: z.string().min(1).max(200) }).openapi('RefreshInput');
export type RefreshInput = z.infer<typeof RefreshInput>;

export const TokenPair = z
  .object({
    user: User,
    accessToken: z.string(),
    refreshToken: z.string(),
    tokenType: z.literal('Bearer'),
    expiresIn: z.number().int().openapi({ description: 'Access-token lifetime in seconds', example: 900 }),
  })
  .openapi('TokenPair');
export type TokenPair = z.infer<typeof TokenPair>;

/** Unknown members are refused (422) rather than ignored, so `{"role": "admin"}` cannot look like it worked. */
export const UpdateMeInput = z
  .strictObject({
    name: UserName.optional(),
    notifications: z.strictObject({ email: z.boolean() }).optional(),
  })
  .openapi('UpdateMeInput');
export type UpdateMeInput = z.infer<typeof UpdateMeInput>;
