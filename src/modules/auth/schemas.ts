import { z } from '@hono/zod-openapi';
import { wellFormed } from '../../http/text.js';
import { Email, Password, PresentedPassword, User, UserName } from '../users/index.js';

export const RegisterInput = z
  .object({
    email: Email,
    password: Password,
    name: UserName,
  })
  .openapi('RegisterInput');
export type RegisterInput = z.infer<typeof RegisterInput>;

export const LoginInput = z.object({ email: Email, password: PresentedPassword }).openapi('LoginInput');
export type LoginInput = z.infer<typeof LoginInput>;

export const RefreshInput = z
  .object({ refreshToken: wellFormed(z.string().min(1).max(200)) })
  .openapi('RefreshInput');
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
