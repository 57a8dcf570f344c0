import { z } from '@hono/zod-openapi';
import { wellFormed } from '../../http/text.js';
import { Email, Password, PresentedPassword } from '../users/index.js';

/** One login session (refresh-token family) of the caller. */
export const Session = z
  .object({
    id: z.string().openapi({ example: '17' }),
    createdAt: z.string().openapi({ description: 'When the session was opened (login or registration)' }),
    lastUsedAt: z.string().openapi({ description: 'Login, or the last refresh of its tokens' }),
    userAgent: z.string().nullable().openapi({ description: '`User-Agent` of the login request' }),
    ip: z.string().nullable().openapi({ description: 'Client address of the login request' }),
    current: z.boolean().openapi({ description: 'The session of the access token making this request' }),
  })
  .openapi('Session');
export type Session = z.infer<typeof Session>;

export const SessionList = z.object({ data: z.array(Session) }).openapi('SessionList');
export type SessionList = z.infer<typeof SessionList>;

export const ChangePasswordInput = z
  .object({ currentPassword: PresentedPassword, newPassword: Password })
  .openapi('ChangePasswordInput');
export type ChangePasswordInput = z.infer<typeof ChangePasswordInput>;

export const PasswordResetInput = z.object({ email: Email }).openapi('PasswordResetInput');
export type PasswordResetInput = z.infer<typeof PasswordResetInput>;

export const PasswordResetConfirmInput = z
  .object({
    token: wellFormed(z.string().min(1).max(200)).openapi({
      description: 'The token from the password-reset email',
    }),
    newPassword: Password,
  })
  .openapi('PasswordResetConfirmInput');
export type PasswordResetConfirmInput = z.infer<typeof PasswordResetConfirmInput>;

export const VerifyEmailInput = z
  .object({
    token: z.string().min(1).max(2000).openapi({
      description: 'The `token` parameter of the link in the verification email',
      example: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJlbWFpbCI6ImFkYUBleGFtcGxlLmNvbSJ9.c2lnbmF0dXJl',
    }),
  })
  .openapi('VerifyEmailInput');
export type VerifyEmailInput = z.infer<typeof VerifyEmailInput>;
