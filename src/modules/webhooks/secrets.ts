// Webhook signing secrets: generated here, shown once, stored encrypted. The dispatcher needs the secret
// back to sign (HMAC), so it cannot be hashed like a password; AES-256-GCM with a key derived (HKDF) from
// WEBHOOK_SECRET_KEY, or JWT_SECRET when that is unset, keeps a database dump alone from revealing it.
// WebCrypto only, so it runs the same on Node and Workers.

type WebCryptoKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

const PREFIX = 'whsec_';
const VERSION = 'v1';
const enc = new TextEncoder();

const b64url = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
const fromB64url = (s: string): Uint8Array =>
  Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));

/** A new secret: `whsec_` and 32 random bytes in base64 (the Standard Webhooks format). */
export function generateSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return PREFIX + btoa(String.fromCharCode(...bytes));
}

const keys = new Map<string, Promise<WebCryptoKey>>();

function keyFor(material: string): Promise<WebCryptoKey> {
  let key = keys.get(material);
  if (!key) {
    key = crypto.subtle.importKey('raw', enc.encode(material), 'HKDF', false, ['deriveKey']).then((base) =>
      crypto.subtle.deriveKey(
        {
          name: 'HKDF',
          hash: 'SHA-256',
          salt: enc.encode('helpdesk-webhooks'),
          info: enc.encode('secret-v1'),
        },
        base,
        { name: 'AES-GCM', length: 256 },
        false,
        ['encrypt', 'decrypt'],
      ),
    );
    keys.set(material, key);
  }
  return key;
}

/** `v1.<iv>.<ciphertext>`: what the `secret_encrypted` column holds. */
export async function encryptSecret(secret: string, material: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, await keyFor(material), enc.encode(secret));
  return `${VERSION}.${b64url(iv)}.${b64url(new Uint8Array(ct))}`;
}

/** The secret back; throws when the key material changed (the row cannot be signed for any more). */
export async function decryptSecret(stored: string, material: string): Promise<string> {
  const [version, iv, ct] = stored.split('.');
  if (version !== VERSION || !iv || !ct) throw new Error('unknown webhook secret format');
  const plain = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: fromB64url(iv) },
    await keyFor(material),
    fromB64url(ct),
  );
  return new TextDecoder().decode(plain);
}
