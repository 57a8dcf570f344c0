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

export const User = z
  .object({
    id: z.string().openapi({ example: '42' }),
    email: z.string(),
    name: z.string(),
    role: z.enum(ROLES),
    active: z.boolean(),
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
    createdAt: row.createdAt.toISOString(),
  };
}

export const RegisterInput = z
  .object({
    email: Email,
    password: Password,
    name: z.string().trim().min(1, 'is required').max(200),
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
