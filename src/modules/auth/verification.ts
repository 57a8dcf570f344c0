import type { ServiceContext } from '../../context.js';
import { requireUser } from '../../context.js';
import type { Queryable } from '../../database.js';
import { BadRequestError, ConflictError, NotFoundError } from '../../errors.js';
import { enqueue, mailDomain } from '../notifications/index.js';
import { findUserById, markEmailVerified } from '../users/index.js';
import { enforceRateLimit } from './rate-limit.js';
import { signVerifyEmailToken, verifyVerifyEmailToken } from './tokens.js';

/** How long the link in a verification email works; a new one can be asked for at any time. */
export const VERIFY_EMAIL_TTL_HOURS = 72;
/** The page the link opens, on WEB_URL when there is a front end, else served by the API itself. */
export const VERIFY_EMAIL_PAGE = '/verify-email';

/** Where links in emails point: the front end if WEB_URL is set, else the API's own pages. */
export const linkBase = (ctx: ServiceContext) => ctx.config.webUrl ?? ctx.config.appUrl;

/**
 * Queues the verification email for a self-registered account, inside the caller's transaction (so
 * registration and its email commit together). The email does not greet the owner by name: the name
 * was typed by whoever registered, who may not be the owner of the address.
 */
export async function queueVerificationEmail(
  tx: Queryable,
  ctx: ServiceContext,
  user: { id: number; email: string },
): Promise<void> {
  const token = await signVerifyEmailToken(
    ctx.config,
    ctx.clock,
    { userId: user.id, email: user.email },
    VERIFY_EMAIL_TTL_HOURS * 3600,
  );
  await enqueue(tx, ctx.clock, mailDomain(ctx.config.mailFrom), [
    {
      event: 'auth.verify_email',
      template: 'verify_email',
      to: { email: user.email, userId: user.id },
      payload: {
        // "token" in the key: the outbox redacts it from the row once the email is sent.
        verifyTokenUrl: `${linkBase(ctx)}${VERIFY_EMAIL_PAGE}?token=${encodeURIComponent(token)}`,
        expiresInHours: VERIFY_EMAIL_TTL_HOURS,
      },
    },
  ]);
}

const invalidToken = () =>
  new BadRequestError(
    'invalid_token',
    'The verification link is not valid: it was already used, has expired, or was altered.',
  );

/**
 * Verifies the address a token was issued for. Anyone may call it: the token is the proof. 400
 * `invalid_token` when it is tampered with or expired, when the account is already verified (used), or
 * when the account's address is no longer the one the token names.
 */
export async function verifyEmail(ctx: ServiceContext, input: { token: string }): Promise<void> {
  const claims = await verifyVerifyEmailToken(ctx.config, ctx.clock, input.token);
  if (!claims || !(await markEmailVerified(ctx.db, ctx.clock, claims.userId, claims.email))) {
    throw invalidToken();
  }
}

/**
 * Sends the caller a fresh verification link. Rate limited per account and per client address (the
 * auth limiter), since every call emails an address that may not be the caller's. 409
 * `already_verified` when there is nothing to verify.
 */
export async function resendVerification(ctx: ServiceContext): Promise<void> {
  const actor = requireUser(ctx);
  await enforceRateLimit(ctx, 'verify_email_resend', `user:${actor.id}`);
  const user = await findUserById(ctx.db, actor.id);
  if (!user) throw new NotFoundError('user', actor.id);
  if (user.emailVerified) {
    throw new ConflictError('already_verified', 'This account’s email address is already verified.');
  }
  await ctx.db.transaction((tx) => queueVerificationEmail(tx, ctx, user));
}
