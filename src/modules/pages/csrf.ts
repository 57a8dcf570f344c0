import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Config } from '../../config.js';
import type { AppEnv } from '../../http/env.js';
import { CSAT_PATH, purposeKey } from '../tickets/index.js';

/**
 * CSRF protection of the satisfaction page's comment form (POST /csat/<token>), in three layers:
 * - a per-page value `nonce.shownAtMs.mac`: a random nonce, the rating state the form was shown for,
 *   and an HMAC over the link's token, the nonce and that state (key derived from JWT_SECRET for this
 *   purpose), put both in a hidden field and in a `SameSite=Strict; HttpOnly; Path=/csat` cookie
 *   (double submit): a POST must bring both, equal (compared in constant time), with a valid MAC for
 *   this very link;
 * - the browser's word on where the POST comes from: `Sec-Fetch-Site` other than `same-origin`, or an
 *   `Origin` that is neither APP_URL's nor the request's own (nor `null` beside `same-origin`), is refused;
 * - one use: the value names the rating state it was shown for, and a POST that changes the rating or
 *   comment moves that state, so the same value cannot change anything a second time (409, "the form is
 *   out of date"); a replay that would change nothing is harmless and answered as before.
 */
export const CSRF_COOKIE = 'csat_csrf';
const CSRF_FIELD_MAX = 200;

const encoder = new TextEncoder();

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

function fromBase64url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]{1,100}$/.test(text)) return null;
  try {
    const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    return Uint8Array.from(bin, (ch) => ch.charCodeAt(0));
  } catch {
    return null;
  }
}

const macInput = (token: string, nonce: string, shownAtMs: string) =>
  encoder.encode(`csat-form\n${token}\n${nonce}\n${shownAtMs}`);

/** Equal strings, in time that depends on their lengths only. */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/** A fresh form value for the page of `token` showing the state of `shownAtMs`, set as the cookie too. */
export async function issueCsrf(c: Context<AppEnv>, config: Config, token: string, shownAtMs: number) {
  const nonce = base64url(crypto.getRandomValues(new Uint8Array(16)));
  const key = await purposeKey(config, 'csat-form');
  const mac = new Uint8Array(
    await crypto.subtle.sign('HMAC', key, macInput(token, nonce, String(shownAtMs))),
  );
  const value = `${nonce}.${shownAtMs}.${base64url(mac)}`;
  setCookie(c, CSRF_COOKIE, value, {
    path: CSAT_PATH,
    httpOnly: true,
    sameSite: 'Strict',
    secure: config.appUrl.startsWith('https:'),
    maxAge: 3600,
  });
  return value;
}

/** Forgets the form value once it has been used (the cookie would be refused from now on anyway). */
export const clearCsrf = (c: Context<AppEnv>) => deleteCookie(c, CSRF_COOKIE, { path: CSAT_PATH });

/** Whether the browser says the POST comes from another site (checked before anything is read). */
export function crossSite(c: Context<AppEnv>, config: Config): boolean {
  const site = c.req.header('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin') return true;
  const origin = c.req.header('origin');
  if (origin === undefined) return false;
  // The page's `Referrer-Policy: no-referrer` makes a browser send `Origin: null` with its own form; that
  // is accepted only with the browser's `Sec-Fetch-Site: same-origin` beside it (a sandboxed frame
  // elsewhere sends `null` too, but with `cross-site`).
  if (origin === 'null') return site !== 'same-origin';
  return origin !== new URL(config.appUrl).origin && origin !== new URL(c.req.url).origin;
}

/**
 * The state the form was shown for, when the field and the cookie agree and carry a valid MAC for this
 * token; null otherwise (403).
 */
export async function checkCsrf(
  c: Context<AppEnv>,
  config: Config,
  token: string,
  field: string,
): Promise<{ shownAtMs: number } | null> {
  const cookie = getCookie(c, CSRF_COOKIE) ?? '';
  if (!field || field.length > CSRF_FIELD_MAX || !constantTimeEqual(field, cookie)) return null;
  const [nonce, shownAt, mac, ...rest] = field.split('.');
  if (rest.length > 0 || !nonce || !shownAt || !mac || !/^\d{1,15}$/.test(shownAt)) return null;
  const macBytes = fromBase64url(mac);
  if (!macBytes || !fromBase64url(nonce)) return null;
  const key = await purposeKey(config, 'csat-form');
  // crypto.subtle.verify compares in constant time.
  const ok = await crypto.subtle.verify('HMAC', key, macBytes, macInput(token, nonce, shownAt));
  return ok ? { shownAtMs: Number(shownAt) } : null;
}
