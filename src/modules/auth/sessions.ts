import { abilityOf, authorize } from '../../access/index.js';
import { requireUser, type ServiceContext } from '../../context.js';
import { NotFoundError } from '../../errors.js';
import { revokeUserSessions } from '../users/index.js';
import type { SessionList } from './account-schemas.js';
import * as repo from './repo.js';

/**
 * GET /auth/sessions lists at most this many (the newest). Sessions expire on their own
 * (REFRESH_TOKEN_TTL), and POST /auth/logout-all ends every one, listed or not.
 */
export const MAX_LISTED_SESSIONS = 100;

/** The caller's live sessions, newest first; `current` marks the one this request's token belongs to. */
export async function listSessions(ctx: ServiceContext): Promise<SessionList> {
  const actor = requireUser(ctx);
  authorize(abilityOf(ctx), 'read', { kind: 'Session', userId: actor.id });
  const rows = await repo.listLiveSessions(ctx.db, actor.id, ctx.clock.now(), MAX_LISTED_SESSIONS);
  return {
    data: rows.map((s) => ({
      id: String(s.id),
      createdAt: s.createdAt.toISOString(),
      lastUsedAt: s.lastUsedAt.toISOString(),
      userAgent: s.userAgent,
      ip: s.ip,
      current: s.id === actor.sessionId,
    })),
  };
}

/**
 * Revokes one session: its refresh tokens stop working at once, and so do its access tokens (the
 * authenticate middleware checks the session on every request), the caller's own current one included.
 * Revoking an already ended session of the caller's is a no-op (204).
 */
export async function revokeSession(ctx: ServiceContext, input: { id: number }): Promise<void> {
  const { id } = input;
  // Sessions are a person's own: an API key has none (403, like every other user-only verb).
  requireUser(ctx);
  const session = await repo.findSessionOwner(ctx.db, id);
  // 404, not 403: nobody learns that another user's session id exists.
  if (!session || !abilityOf(ctx).can('revoke', { kind: 'Session', userId: session.userId })) {
    throw new NotFoundError('session', id);
  }
  await repo.revokeSession(ctx.db, session.id, ctx.clock.now());
}

/** Ends every session of the caller, this one included: every token they hold stops working. */
export async function logoutAll(ctx: ServiceContext): Promise<void> {
  const actor = requireUser(ctx);
  authorize(abilityOf(ctx), 'revoke', { kind: 'Session', userId: actor.id });
  await revokeUserSessions(ctx.db, actor.id, ctx.clock.now());
}
