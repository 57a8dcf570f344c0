import { errors, jwtVerify, SignJWT } from 'jose';
import type { Config } from '../../config.js';
import type { Clock } from '../../deps.js';

/**
 * The satisfaction (CSAT) links of a "solved" email: `GET /csat/<token>?rating=good|bad`. The token is an
 * HS256 JWT bound to ONE ticket and ONE solve (the ticket id, its `solved_at` in milliseconds and its
 * requester), with an expiry (CSAT_LINK_TTL, 30 days by default). It is signed with a key derived from
 * JWT_SECRET for this purpose only and carries an audience of its own, so no other token of ours can
 * pass for one and a CSAT token opens nothing else. Stateless: a link is "used up" once the ticket is
 * no longer at that solve (reopened, solved again, merged), which the rating verb checks.
 */
export const CSAT_PATH = '/csat';
export const CSAT_AUDIENCE = 'helpdesk-csat';

const encoder = new TextEncoder();
type HmacKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;
const keys = new WeakMap<Config, Map<string, Promise<HmacKey>>>();

/**
 * An HMAC-SHA256 key for one purpose: HMAC(JWT_SECRET, "helpdesk:" + purpose), imported once per
 * configuration and purpose. Knowing a derived key (it never leaves the process) says nothing of the
 * secret or of the other purposes' keys.
 */
export function purposeKey(config: Config, purpose: string): Promise<HmacKey> {
  let byPurpose = keys.get(config);
  if (!byPurpose) {
    byPurpose = new Map();
    keys.set(config, byPurpose);
  }
  let key = byPurpose.get(purpose);
  if (!key) {
    key = (async () => {
      const secret = await crypto.subtle.importKey(
        'raw',
        encoder.encode(config.jwtSecret),
        { name: 'HMAC', hash: 'SHA-256' },
        false,
        ['sign'],
      );
      const derived = await crypto.subtle.sign('HMAC', secret, encoder.encode(`helpdesk:${purpose}`));
      return crypto.subtle.importKey('raw', derived, { name: 'HMAC', hash: 'SHA-256' }, false, [
        'sign',
        'verify',
      ]);
    })();
    byPurpose.set(purpose, key);
  }
  return key;
}

export interface CsatClaims {
  ticketId: number;
  /** The solve the link is for: the ticket's `solved_at`, in milliseconds. */
  solvedAtMs: number;
  requesterId: number;
}

/** Signs a CSAT token for one solve of one ticket, valid for CSAT_LINK_TTL from now. */
export async function signCsatToken(config: Config, clock: Clock, claims: CsatClaims): Promise<string> {
  const iat = Math.floor(clock.now().getTime() / 1000);
  return new SignJWT({ sol: claims.solvedAtMs, req: String(claims.requesterId) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(String(claims.ticketId))
    .setIssuer(config.appUrl)
    .setAudience(CSAT_AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + config.csatLinkTtlSeconds)
    .sign(await purposeKey(config, 'csat-link'));
}

/** The longest token accepted at all: a real one is about 250 characters. */
export const MAX_CSAT_TOKEN = 1000;

export type CsatTokenCheck = { ok: true; claims: CsatClaims } | { ok: false; reason: 'invalid' | 'expired' };

/** Checks a CSAT token: `invalid` when altered, malformed or another kind of token; `expired` when old. */
export async function verifyCsatToken(config: Config, clock: Clock, token: string): Promise<CsatTokenCheck> {
  if (token.length === 0 || token.length > MAX_CSAT_TOKEN) return { ok: false, reason: 'invalid' };
  try {
    const { payload } = await jwtVerify(token, await purposeKey(config, 'csat-link'), {
      algorithms: ['HS256'],
      issuer: config.appUrl,
      audience: CSAT_AUDIENCE,
      currentDate: clock.now(),
      requiredClaims: ['sub', 'exp', 'sol', 'req'],
    });
    const ticketId = Number(payload.sub);
    const requesterId = Number(payload.req);
    const solvedAtMs = payload.sol;
    if (
      !Number.isSafeInteger(ticketId) ||
      !Number.isSafeInteger(requesterId) ||
      typeof solvedAtMs !== 'number' ||
      !Number.isSafeInteger(solvedAtMs)
    ) {
      return { ok: false, reason: 'invalid' };
    }
    return { ok: true, claims: { ticketId, solvedAtMs, requesterId } };
  } catch (err) {
    return { ok: false, reason: err instanceof errors.JWTExpired ? 'expired' : 'invalid' };
  }
}

/**
 * The two links of a solved email for its requester (the page is served by the API itself, at its
 * public URL APP_URL: there is no JSON route for a front end to call instead). Null unless the ticket is
 * solved.
 */
export async function csatLinks(
  config: Config,
  clock: Clock,
  ticket: { id: number; status: string; solvedAt: Date | null; requesterId: number },
): Promise<{ goodTokenUrl: string; badTokenUrl: string; expiresInDays: number } | null> {
  if (ticket.status !== 'solved' || !ticket.solvedAt) return null;
  const token = await signCsatToken(config, clock, {
    ticketId: ticket.id,
    solvedAtMs: ticket.solvedAt.getTime(),
    requesterId: ticket.requesterId,
  });
  const base = `${config.appUrl}${CSAT_PATH}/${encodeURIComponent(token)}`;
  return {
    goodTokenUrl: `${base}?rating=good`,
    badTokenUrl: `${base}?rating=bad`,
    expiresInDays: Math.max(1, Math.round(config.csatLinkTtlSeconds / 86400)),
  };
}
