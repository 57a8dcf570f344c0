/**
 * Signed reply addresses: `Reply-To: <local>+<token>@<domain>` on every ticket email to a person, where
 * the token names the ticket and the recipient and carries an HMAC over both. A reply to it lands on that
 * ticket only when the token verifies and the mail comes from that recipient, so a forwarded or guessed
 * address never puts data on someone else's ticket (src/modules/inbound).
 *
 * Token: `<ticket id base36>-<user id base36>-<16 base32 chars>`, all lower case (some relays lower-case
 * local parts). The signature is the first 80 bits of HMAC-SHA-256(key, "reply:<ticket>:<user>"), with a
 * key derived from JWT_SECRET for this purpose only. WebCrypto: the same code runs on Node and Workers.
 */

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
const SIGNATURE_CHARS = 16; // 16 × 5 bits = 80 bits
/** Strict shape, bounded lengths: a hostile local part is rejected before any crypto runs. */
const TOKEN_SHAPE = /^([0-9a-z]{1,11})-([0-9a-z]{1,11})-([a-z2-7]{16})$/;

type Key = Awaited<ReturnType<typeof crypto.subtle.importKey>>;
const keys = new Map<string, Promise<Key>>();

function replyKey(secret: string): Promise<Key> {
  let key = keys.get(secret);
  if (!key) {
    const enc = new TextEncoder();
    key = crypto.subtle
      .importKey('raw', enc.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
      .then(async (master) => {
        // A key of its own, so a reply token can never be mistaken for (or help forge) anything else
        // signed with JWT_SECRET.
        const derived = await crypto.subtle.sign('HMAC', master, enc.encode('helpdesk reply-address v1'));
        return crypto.subtle.importKey('raw', derived, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
      });
    keys.set(secret, key);
  }
  return key;
}

function base32(bytes: Uint8Array, chars: number): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < chars) {
      out += BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
    if (out.length >= chars) break;
  }
  return out;
}

async function signature(secret: string, ticketId: number, userId: number): Promise<string> {
  const mac = await crypto.subtle.sign(
    'HMAC',
    await replyKey(secret),
    new TextEncoder().encode(`reply:${ticketId}:${userId}`),
  );
  return base32(new Uint8Array(mac), SIGNATURE_CHARS);
}

/** Equal strings in time that depends only on the length (both are fixed-length here). */
function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** The token for `userId`'s replies to `ticketId`. */
export async function replyToken(secret: string, ticketId: number, userId: number): Promise<string> {
  return `${ticketId.toString(36)}-${userId.toString(36)}-${await signature(secret, ticketId, userId)}`;
}

/** The ticket and recipient a token names, or null when it is malformed or its signature does not verify. */
export async function verifyReplyToken(
  secret: string,
  token: string,
): Promise<{ ticketId: number; userId: number } | null> {
  const m = TOKEN_SHAPE.exec(token.toLowerCase());
  if (!m) return null;
  const ticketId = Number.parseInt(m[1]!, 36);
  const userId = Number.parseInt(m[2]!, 36);
  if (!Number.isSafeInteger(ticketId) || !Number.isSafeInteger(userId) || ticketId < 1 || userId < 1) {
    return null;
  }
  // Re-encode: `0a` and `a` parse alike, but only the canonical spelling was ever signed and handed out.
  if (ticketId.toString(36) !== m[1] || userId.toString(36) !== m[2]) return null;
  const expected = await signature(secret, ticketId, userId);
  return constantTimeEqual(expected, m[3]!) ? { ticketId, userId } : null;
}

/** `local+token@domain`, the Reply-To of a ticket email. */
export async function replyAddress(
  secret: string,
  inbound: { local: string; domain: string },
  ticketId: number,
  userId: number,
): Promise<string> {
  return `${inbound.local}+${await replyToken(secret, ticketId, userId)}@${inbound.domain}`;
}

/**
 * Splits a recipient address at the inbound domain: `{token}` for `local+token@domain`, `{token: null}`
 * for the bare support address, null for any other address (mail for someone else: never relayed).
 */
export function inboundRecipient(
  address: string,
  inbound: { local: string; domain: string },
): { token: string | null } | null {
  if (address.length > 320) return null;
  const at = address.lastIndexOf('@');
  if (at < 1) return null;
  const local = address.slice(0, at).toLowerCase();
  const domain = address.slice(at + 1).toLowerCase();
  if (domain !== inbound.domain) return null;
  if (local === inbound.local) return { token: null };
  const plus = local.indexOf('+');
  if (plus < 0 || local.slice(0, plus) !== inbound.local) return null;
  return { token: local.slice(plus + 1) };
}
