import { requireUser, type ServiceContext, withTransaction } from '../../context.js';
import { BadRequestError, ForbiddenError, NotFoundError } from '../../errors.js';
import { enqueue, mailDomain } from '../notifications/index.js';
import { findUserByEmail, findUserById, recordPasswordSet, setPassword } from '../users/index.js';
import type {
  ChangePasswordInput,
  PasswordResetConfirmInput,
  PasswordResetInput,
} from './account-schemas.js';
import { accountKey, enforceRateLimit } from './rate-limit.js';
import * as repo from './repo.js';
import { timingDummy } from './service.js';
import { randomToken, sha256Hex } from './tokens.js';
import { linkBase } from './verification.js';

/** How long a password-reset token stays valid. */
export const RESET_TOKEN_TTL_MINUTES = 30;
/**
 * The page the reset link opens: the front end's when WEB_URL is set, else the small HTML page the API
 * serves itself at the root, so a person can reset a password from the email alone.
 */
export const RESET_PASSWORD_PAGE = '/reset-password';

/**
 * Changes the caller's own password, proven by the current one. Only ever acts on the caller's account,
 * so there is no other account to authorize against. 403 `wrong_password` (not 401: the token is fine)
 * for a wrong current password; rate-limited per user like login, so a stolen access token cannot be
 * used to guess the password. Every other session of the caller is revoked; this one stays usable.
 */
export async function changePassword(ctx: ServiceContext, input: ChangePasswordInput): Promise<void> {
  const actor = requireUser(ctx);
  await enforceRateLimit(ctx, 'password_change', `user:${actor.id}`);
  const user = await findUserById(ctx.db, actor.id);
  if (!user) throw new NotFoundError('user', actor.id);
  // A password-less account (made from an address) has no current password to prove: always wrong.
  const hash = user.passwordHash;
  const ok = await ctx.passwords.verify(
    input.currentPassword,
    hash ?? (await timingDummy(ctx.config.bcryptCost)),
  );
  if (hash === null || !ok) {
    throw new ForbiddenError('wrong_password', 'The current password is wrong.');
  }
  // Hashed before the transaction opens: no row lock waits on bcrypt.
  const passwordHash = await ctx.passwords.hash(input.newPassword, ctx.config.bcryptCost);
  await withTransaction(ctx, async (tx) => {
    await setPassword(tx, ctx.clock, user.id, passwordHash, { keepSessionId: actor.sessionId });
    await recordPasswordSet(tx, ctx, user.id, { action: 'user.password_changed' });
  });
}

/**
 * Starts a password reset. The caller learns nothing: the answer is the same 202 whether or not the
 * email belongs to an account (no bcrypt and no SMTP in either path, so the timings differ only by two
 * small inserts). For an active account, a single-use token valid 30 minutes is stored as a SHA-256 hash
 * and the email carrying it is queued in the same transaction; the token itself exists only in that
 * email (the outbox drops it from the row once sent).
 */
export async function requestPasswordReset(ctx: ServiceContext, input: PasswordResetInput): Promise<void> {
  const user = await findUserByEmail(ctx.db, input.email);
  await enforceRateLimit(ctx, 'password_reset', accountKey(user, input.email));
  if (!user?.active) return;
  const token = randomToken();
  const tokenHash = await sha256Hex(token);
  const now = ctx.clock.now();
  const expiresAt = new Date(now.getTime() + RESET_TOKEN_TTL_MINUTES * 60_000);
  await withTransaction(ctx, async (tx) => {
    await repo.insertResetToken(tx, { userId: user.id, tokenHash, now, expiresAt });
    // Sent whatever the user's notification preference: it was asked for, and it is the way back in.
    await enqueue(tx, ctx.clock, mailDomain(ctx.config.mailFrom), [
      {
        event: 'auth.password_reset',
        template: 'password_reset',
        to: { email: user.email, userId: user.id },
        payload: {
          recipient: { name: user.name },
          appName: 'Helpdesk',
          token,
          expiresInMinutes: RESET_TOKEN_TTL_MINUTES,
          // "token" in the key: the outbox redacts the link with the token once the email is sent.
          resetTokenUrl: `${linkBase(ctx)}${RESET_PASSWORD_PAGE}?token=${encodeURIComponent(token)}`,
          resetPageUrl: `${linkBase(ctx)}${RESET_PASSWORD_PAGE}`,
        },
      },
    ]);
  });
}

const invalidToken = () =>
  new BadRequestError('invalid_token', 'The reset token is not valid: it is unknown, used or expired.');

/**
 * Sets a new password with a reset token. The token is spent with a conditional UPDATE, so of two
 * concurrent confirmations exactly one succeeds. Every session of the user is revoked and their other
 * outstanding reset tokens die with it. A disabled account's token is refused like an unknown one.
 */
export async function confirmPasswordReset(
  ctx: ServiceContext,
  input: PasswordResetConfirmInput,
): Promise<void> {
  await enforceRateLimit(ctx, 'password_reset_confirm');
  const now = ctx.clock.now();
  const found = await repo.findResetToken(ctx.db, await sha256Hex(input.token));
  if (!found || found.usedAt || found.expiresAt <= now || !found.active) throw invalidToken();
  const passwordHash = await ctx.passwords.hash(input.newPassword, ctx.config.bcryptCost);
  const done = await withTransaction(ctx, async (tx) => {
    if (!(await repo.markResetTokenUsed(tx, found.id, now))) return false;
    await setPassword(tx, ctx.clock, found.userId, passwordHash);
    // A public route: whoever holds the emailed token acts as the account's owner.
    const owner = { type: 'user', id: found.userId } as const;
    await recordPasswordSet(tx, ctx, found.userId, { action: 'user.password_reset', actor: owner });
    return true;
  });
  if (!done) throw invalidToken();
}
