import { errors, jwtVerify, SignJWT } from 'jose';
import type { Role } from '../../../db/schema/index.js';
import type { Config } from '../../config.js';
import type { Clock } from '../../deps.js';
import { UnauthorizedError } from '../../errors.js';

export const TOKEN_AUDIENCE = 'helpdesk-api';

const encoder = new TextEncoder();
type HmacKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;
const keys = new WeakMap<Config, Promise<HmacKey>>();

/** The HMAC key, imported once per configuration (importing it per request cost ~4 % of a request's CPU). */
function key(config: Config): Promise<HmacKey> {
  let k = keys.get(config);
  if (!k) {
    k = crypto.subtle.importKey(
      'raw',
      encoder.encode(config.jwtSecret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign', 'verify'],
    );
    keys.set(config, k);
  }
  return k;
}

/**
 * Tokens whose signature and claims were already checked, with their expiry: a client sends the same
 * access token for up to 15 minutes, and an HMAC check per request is pure repetition. Only the expiry
 * (and, in the authenticate middleware, the session) still has to be checked each time. Bounded; the
 * oldest entries go first.
 */
const verified = new WeakMap<Config, Map<string, { claims: AccessClaims; exp: number }>>();
const VERIFIED_MAX = 10_000;

function verifiedCache(config: Config) {
  let cache = verified.get(config);
  if (!cache) {
    cache = new Map();
    verified.set(config, cache);
  }
  return cache;
}

export interface AccessClaims {
  userId: number;
  role: Role;
  sessionId: number;
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/** The audience of email-verification tokens: distinct, so no other token of ours can pass for one. */
export const VERIFY_EMAIL_AUDIENCE = 'helpdesk-verify-email';

export interface VerifyEmailClaims {
  userId: number;
  email: string;
}

/**
 * Signs an email-verification token: HS256 over the user id and the address, with an expiry. Stateless:
 * it is "used" once the account is verified or its address is no longer the one signed.
 */
export async function signVerifyEmailToken(
  config: Config,
  clock: Clock,
  claims: VerifyEmailClaims,
  ttlSeconds: number,
): Promise<string> {
  const iat = Math.floor(clock.now().getTime() / 1000);
  return new SignJWT({ email: claims.email })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(String(claims.userId))
    .setIssuer(config.appUrl)
    .setAudience(VERIFY_EMAIL_AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttlSeconds)
    .sign(await key(config));
}

/** The claims of a valid email-verification token, or null (tampered, expired, another kind of token). */
export async function verifyVerifyEmailToken(
  config: Config,
  clock: Clock,
  token: string,
): Promise<VerifyEmailClaims | null> {
  try {
    const { payload } = await jwtVerify(token, await key(config), {
      algorithms: ['HS256'],
      issuer: config.appUrl,
      audience: VERIFY_EMAIL_AUDIENCE,
      currentDate: clock.now(),
      requiredClaims: ['sub', 'exp'],
    });
    const userId = Number(payload.sub);
    if (!Number.isSafeInteger(userId) || typeof payload.email !== 'string') return null;
    return { userId, email: payload.email };
  } catch {
    return null;
  }
}

/** A random, URL-safe token with 256 bits of entropy (refresh and reset tokens). */
export function randomToken(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

/** SHA-256 hex: how opaque tokens are stored, so a database leak does not leak usable tokens. */
export async function sha256Hex(value: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', encoder.encode(value));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Signs an HS256 access token with sub, role, sid, iss, aud, iat, exp and jti. */
export async function signAccessToken(config: Config, clock: Clock, claims: AccessClaims): Promise<string> {
  const iat = Math.floor(clock.now().getTime() / 1000);
  return new SignJWT({ role: claims.role, sid: String(claims.sessionId) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(String(claims.userId))
    .setIssuer(config.appUrl)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + config.accessTokenTtlSeconds)
    .setJti(randomToken().slice(0, 22))
    .sign(await key(config));
}

/** Verifies signature, algorithm, issuer, audience and expiry; 401 `invalid_token` / `token_expired` otherwise. */
export async function verifyAccessToken(config: Config, clock: Clock, token: string): Promise<AccessClaims> {
  const cache = verifiedCache(config);
  const hit = cache.get(token);
  if (hit) {
    if (clock.now().getTime() < hit.exp * 1000) return hit.claims;
    cache.delete(token);
    throw new UnauthorizedError('token_expired', 'The access token has expired.');
  }
  try {
    const { payload } = await jwtVerify(token, await key(config), {
      algorithms: ['HS256'],
      issuer: config.appUrl,
      audience: TOKEN_AUDIENCE,
      currentDate: clock.now(),
      // A token without an expiry would live for ever: refuse it even though only a key holder could mint one.
      requiredClaims: ['sub', 'sid', 'iat', 'exp', 'jti'],
    });
    const userId = Number(payload.sub);
    const sessionId = Number(payload.sid);
    if (!Number.isSafeInteger(userId) || !Number.isSafeInteger(sessionId)) throw new Error('bad claims');
    const claims: AccessClaims = { userId, sessionId, role: payload.role as Role };
    if (cache.size >= VERIFIED_MAX) {
      for (const old of [...cache.keys()].slice(0, VERIFIED_MAX / 10)) cache.delete(old);
    }
    cache.set(token, { claims, exp: payload.exp! });
    return claims;
  } catch (err) {
    if (err instanceof errors.JWTExpired)
      throw new UnauthorizedError('token_expired', 'The access token has expired.');
    throw new UnauthorizedError('invalid_token', 'The access token is not valid.');
  }
}
