import { REQUESTER_ROLE } from '../../access/index.js';
import { type ServiceContext, withTransaction } from '../../context.js';
import { ForbiddenError, NotFoundError, UnauthorizedError } from '../../errors.js';
import { hashPassword } from '../../passwords.js';
import {
  findUserByEmail,
  findUserById,
  insertUser,
  normaliseEmail,
  recordUserCreated,
  toUser,
  type UserRow,
} from '../users/index.js';
import { accountKey, enforceRateLimit } from './rate-limit.js';
import * as repo from './repo.js';
import type { LoginInput, RefreshInput, RegisterInput, TokenPair } from './schemas.js';
import { randomToken, sha256Hex, signAccessToken } from './tokens.js';
import { queueVerificationEmail } from './verification.js';

const dummyHashes = new Map<number, Promise<string>>();
/**
 * Compared against when the email is unknown, so both failures take as long (no account enumeration).
 * Made at the configured cost: a cheaper dummy would answer unknown emails measurably faster.
 */
export function timingDummy(cost: number): Promise<string> {
  let hash = dummyHashes.get(cost);
  if (!hash) {
    hash = hashPassword('not-a-real-password', cost);
    dummyHashes.set(cost, hash);
  }
  return hash;
}

/** Starts a new session (token family) and returns its first token pair. */
async function openSession(ctx: ServiceContext, user: UserRow): Promise<TokenPair> {
  const now = ctx.clock.now();
  const expiresAt = new Date(now.getTime() + ctx.config.refreshTokenTtlSeconds * 1000);
  const refreshToken = randomToken();
  const tokenHash = await sha256Hex(refreshToken);
  const sessionId = await withTransaction(ctx, async (tx) => {
    const id = await repo.insertSession(tx, {
      userId: user.id,
      now,
      expiresAt,
      userAgent: ctx.client.userAgent,
      ip: ctx.client.ip,
    });
    await repo.insertRefreshToken(tx, { sessionId: id, tokenHash, now, expiresAt });
    return id;
  });
  return tokenPair(ctx, user, sessionId, refreshToken);
}

async function tokenPair(
  ctx: ServiceContext,
  user: UserRow,
  sessionId: number,
  refreshToken: string,
): Promise<TokenPair> {
  const accessToken = await signAccessToken(ctx.config, ctx.clock, {
    userId: user.id,
    role: user.role,
    sessionId,
  });
  return {
    user: toUser(user),
    accessToken,
    refreshToken,
    tokenType: 'Bearer',
    expiresIn: ctx.config.accessTokenTtlSeconds,
  };
}

async function loadUser(ctx: ServiceContext, id: number): Promise<UserRow> {
  const row = await findUserById(ctx.db, id);
  if (!row) throw new NotFoundError('user', id);
  return row;
}

/**
 * Public sign-up: always creates a `user`; 409 `email_taken` for a registered address. The address is
 * unproven (anyone can type anyone's), so the account starts unverified and gets no ticket email; the
 * one email it gets is the verification link, queued in the same transaction as the account.
 */
export async function register(ctx: ServiceContext, input: RegisterInput): Promise<TokenPair> {
  await enforceRateLimit(ctx, 'register', accountKey(null, input.email));
  const passwordHash = await ctx.passwords.hash(input.password, ctx.config.bcryptCost);
  const id = await withTransaction(ctx, async (tx) => {
    const user = { email: input.email, name: input.name, role: REQUESTER_ROLE } as const;
    const id = await insertUser(tx, ctx.clock, { ...user, passwordHash, emailVerified: false });
    await recordUserCreated(tx, ctx, id, user, { action: 'user.registered', actor: { type: 'user', id } });
    await queueVerificationEmail(tx, ctx, { id, email: normaliseEmail(input.email) });
    return id;
  });
  return openSession(ctx, await loadUser(ctx, id));
}

/**
 * 401 `invalid_credentials` for an unknown email and a wrong password alike; 403 for a disabled account.
 * The account is looked up before the attempt is counted, so the per-account limit holds however the
 * address is spelled (the lookup is one indexed query on both paths: no timing difference).
 */
export async function login(ctx: ServiceContext, input: LoginInput): Promise<TokenPair> {
  const user = await findUserByEmail(ctx.db, input.email);
  await enforceRateLimit(ctx, 'login', accountKey(user, input.email));
  // An unknown address and a password-less account both compare against the dummy, so all three
  // failures take one bcrypt and answer alike; the dummy's own password must not open anything.
  const hash = user?.passwordHash ?? null;
  const ok = await ctx.passwords.verify(input.password, hash ?? (await timingDummy(ctx.config.bcryptCost)));
  if (!user || hash === null || !ok)
    throw new UnauthorizedError('invalid_credentials', 'The email or password is wrong.');
  if (!user.active) throw new ForbiddenError('account_disabled', 'This account has been disabled.');
  return openSession(ctx, user);
}

/**
 * Rotates a refresh token: the presented one dies, a new pair is issued in the same session.
 * Presenting a token that was already rotated is reuse (it was stolen, or the client is broken):
 * the whole session is revoked and every token of it stops working.
 */
export async function refresh(ctx: ServiceContext, input: RefreshInput): Promise<TokenPair> {
  await enforceRateLimit(ctx, 'refresh');
  const now = ctx.clock.now();
  const found = await repo.findRefreshToken(ctx.db, await sha256Hex(input.refreshToken));
  const invalid = () => new UnauthorizedError('invalid_refresh_token', 'The refresh token is not valid.');
  const reused = () =>
    new UnauthorizedError(
      'refresh_token_reused',
      'This refresh token was already used; the session has been revoked.',
    );
  // A rotated token is reuse whenever it comes back, even after its session was revoked (by an earlier
  // reuse, say): the client is told why, not just that the token is invalid.
  if (found?.rotatedAt) {
    await repo.revokeSession(ctx.db, found.sessionId, now);
    throw reused();
  }
  if (!found || found.sessionRevokedAt || found.expiresAt <= now || found.sessionExpiresAt <= now)
    throw invalid();
  if (!found.user.active) throw new ForbiddenError('account_disabled', 'This account has been disabled.');

  const refreshToken = randomToken();
  const rotated = await withTransaction(ctx, async (tx) => {
    if (!(await repo.markRotated(tx, found.tokenId, now))) return false;
    await repo.insertRefreshToken(tx, {
      sessionId: found.sessionId,
      tokenHash: await sha256Hex(refreshToken),
      now,
      expiresAt: found.sessionExpiresAt,
    });
    await repo.touchSession(tx, found.sessionId, now);
    return true;
  });
  if (!rotated) {
    // Lost a race with another refresh of the same token: that is reuse too.
    await repo.revokeSession(ctx.db, found.sessionId, now);
    throw reused();
  }
  return tokenPair(ctx, found.user, found.sessionId, refreshToken);
}

/** Ends the session the refresh token belongs to. Unknown tokens are accepted silently (idempotent). */
export async function logout(ctx: ServiceContext, input: RefreshInput): Promise<void> {
  const found = await repo.findRefreshToken(ctx.db, await sha256Hex(input.refreshToken));
  if (found) await repo.revokeSession(ctx.db, found.sessionId, ctx.clock.now());
}
