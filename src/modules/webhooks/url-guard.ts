import ipaddr from 'ipaddr.js';

// Where a webhook may point: SSRF rules, checked when a webhook is saved and again before every attempt
// (DNS can change between the two, and between two attempts).

/** Longest URL a webhook may have (the contract's limit). */
export const MAX_URL_LENGTH = 2000;

/** Why a URL is refused: `invalid_url` (its syntax) or `url_not_allowed` (where it leads). */
export class UrlRefused extends Error {
  constructor(
    readonly code: 'invalid_url' | 'url_not_allowed',
    message: string,
  ) {
    super(message);
  }
}

// Spaces and control characters anywhere: the WHATWG parser would strip or encode some of them silently.
const UNPRINTABLE = /[\s\p{Cc}]/u;

/**
 * Parses a webhook URL: absolute, `http:` or `https:`, no credentials, at most `MAX_URL_LENGTH`
 * characters. Throws `UrlRefused('invalid_url')` otherwise. Linear in the input (one regex test, no
 * backtracking, then the platform's URL parser).
 */
export function parseWebhookUrl(raw: string): URL {
  if (raw.length > MAX_URL_LENGTH) {
    throw new UrlRefused('invalid_url', `The URL is longer than ${MAX_URL_LENGTH} characters.`);
  }
  if (UNPRINTABLE.test(raw))
    throw new UrlRefused('invalid_url', 'The URL contains spaces or control characters.');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UrlRefused('invalid_url', 'Not an absolute URL.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UrlRefused('invalid_url', 'Only http and https URLs can receive webhooks.');
  }
  if (url.username || url.password) {
    throw new UrlRefused(
      'invalid_url',
      'The URL must not carry credentials; authenticate with the signature.',
    );
  }
  if (!url.hostname) throw new UrlRefused('invalid_url', 'The URL has no host.');
  return url;
}

/** The URL's host without IPv6 brackets. */
export const hostOf = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, '$1');

/** An IP literal host, parsed; null for a name. */
export function ipLiteral(host: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  return ipaddr.isValid(host) ? ipaddr.parse(host) : null;
}

/**
 * Whether an address is a public unicast one. Everything ipaddr.js classifies otherwise is refused:
 * loopback, private (10/8, 172.16/12, 192.168/16), link-local (169.254/16, which holds the cloud
 * metadata address 169.254.169.254; fe80::/10), unique-local (fc00::/7, which holds fd00:ec2::254),
 * unspecified, multicast, broadcast, carrier-grade NAT, reserved and documentation ranges, and IPv6
 * forms that embed an IPv4 address (NAT64, 6to4, Teredo). An IPv4-mapped IPv6 address is judged as the
 * IPv4 address it maps.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) {
    ip = (ip as ipaddr.IPv6).toIPv4Address();
  }
  return ip.range() === 'unicast';
}

/** Names that mean this machine whatever DNS says (RFC 6761). */
const LOCAL_NAME = /(^|\.)localhost\.?$/i;

/** Resolves a host name to every address it has (A and AAAA). */
export type Resolve = (host: string) => Promise<string[]>;

/**
 * Where the URL leads: every address its host resolves to, each checked (unless `allowPrivate`).
 * Throws `UrlRefused('url_not_allowed')` when any address is not public, or the name does not resolve.
 * The caller connects to one of the returned addresses, never resolves again (no DNS-rebinding window).
 */
export async function checkDestination(url: URL, resolve: Resolve, allowPrivate: boolean): Promise<string[]> {
  const host = hostOf(url);
  const literal = ipLiteral(host);
  if (literal) {
    const address = literal.toString();
    if (!allowPrivate && !isPublicAddress(address)) {
      throw new UrlRefused('url_not_allowed', `The address ${address} is not a public address.`);
    }
    return [address];
  }
  if (!allowPrivate && LOCAL_NAME.test(host)) {
    throw new UrlRefused('url_not_allowed', `${host} names this machine.`);
  }
  let addresses: string[];
  try {
    addresses = await resolve(host);
  } catch {
    addresses = [];
  }
  if (addresses.length === 0) throw new UrlRefused('url_not_allowed', `The host ${host} does not resolve.`);
  if (!allowPrivate) {
    const bad = addresses.find((a) => !isPublicAddress(a));
    if (bad !== undefined) {
      throw new UrlRefused(
        'url_not_allowed',
        `The host ${host} resolves to ${bad}, which is not a public address.`,
      );
    }
  }
  return addresses;
}
