import ipaddr from 'ipaddr.js';

/**
 * Which proxy headers may say who the client is (`TRUST_PROXY`). Anything a client sends can be forged,
 * so a header is believed only when the operator says a proxy in front of us sets it:
 * - `none`: no header; the socket's peer address (Node). Workers have no socket, see src/entry/worker.ts.
 * - `cloudflare`: `CF-Connecting-IP`, which Cloudflare's edge sets itself (a client's value is replaced).
 * - `hops`: N proxies each append to `X-Forwarded-For`; the client is the Nth entry from the right.
 * - `cidr`: walk `X-Forwarded-For` from the right, skipping addresses in the trusted ranges.
 */
export type TrustProxy =
  | { mode: 'none' }
  | { mode: 'cloudflare' }
  | { mode: 'hops'; hops: number }
  | { mode: 'cidr'; ranges: string[] };

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Parses a `TRUST_PROXY` value, or returns what is wrong with it. */
export function parseTrustProxy(value: string): TrustProxy | string {
  const v = value.trim().toLowerCase();
  if (v === 'none' || v === 'false' || v === '0') return { mode: 'none' };
  if (v === 'cloudflare') return { mode: 'cloudflare' };
  if (/^[1-9]\d?$/.test(v)) return { mode: 'hops', hops: Number(v) };
  const ranges = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = ranges.find((r) => toRange(r) === null);
  if (ranges.length === 0 || bad !== undefined) {
    return `must be none, cloudflare, a hop count (1-99) or a comma-separated list of addresses/CIDR ranges (got "${bad ?? value}")`;
  }
  return { mode: 'cidr', ranges };
}

/**
 * Dotted-quad IPv4 or IPv6 only: ipaddr.js alone also accepts forms such as `100` or `0x7f.1`, which
 * no proxy writes and which would make a typo in TRUST_PROXY mean some other address.
 */
function strictParse(text: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  if (!ipaddr.IPv4.isValidFourPartDecimal(text) && !ipaddr.IPv6.isValid(text)) return null;
  return unmap(ipaddr.parse(text));
}

function toRange(text: string): Range | null {
  const [addrText = '', bitsText, extra] = text.split('/');
  const addr = strictParse(addrText.trim());
  if (!addr || extra !== undefined) return null;
  const max = addr.kind() === 'ipv4' ? 32 : 128;
  // An IPv4-mapped IPv6 range (::ffff:10.0.0.0/104) counts in IPv4 bits once unmapped.
  const mapped = addrText.includes(':') && addr.kind() === 'ipv4';
  if (bitsText === undefined) return [addr, max];
  if (!/^\d{1,3}$/.test(bitsText.trim())) return null;
  const bits = Number(bitsText) - (mapped ? 96 : 0);
  return bits >= 0 && bits <= max ? [addr, bits] : null;
}

/** `::ffff:192.0.2.1` (how a dual-stack socket reports an IPv4 peer) is 192.0.2.1. */
function unmap(addr: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  return addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()
    ? (addr as ipaddr.IPv6).toIPv4Address()
    : addr;
}

/** A well-formed address in canonical text, else null (a header may carry anything). */
function canonical(text: string | undefined): ipaddr.IPv4 | ipaddr.IPv6 | null {
  const t = text?.trim();
  return t && t.length <= 64 ? strictParse(t) : null;
}

export interface ClientIpSources {
  /** The socket's peer address (Node), undefined where there is no socket (Workers). */
  socket: string | undefined;
  header(name: string): string | undefined;
}

/**
 * Builds the resolver for one `TRUST_PROXY` setting (ranges parsed once). Returns the client's address
 * in canonical form, or null when nothing trustworthy names it.
 */
export function clientIpResolver(trust: TrustProxy): (src: ClientIpSources) => string | null {
  const peer = (src: ClientIpSources) => canonical(src.socket);
  const text = (a: ipaddr.IPv4 | ipaddr.IPv6 | null) => a?.toString() ?? null;
  switch (trust.mode) {
    case 'none':
      return (src) => text(peer(src));
    case 'cloudflare':
      return (src) => text(canonical(src.header('cf-connecting-ip')) ?? peer(src));
    case 'hops':
      return (src) => {
        const chain = forwardedChain(src);
        if (chain.length === 0) return text(peer(src));
        // Fewer entries than hops: every entry was appended by a trusted proxy; the leftmost is closest.
        return text(canonical(chain[Math.max(0, chain.length - trust.hops)]));
      };
    case 'cidr': {
      const ranges = trust.ranges.map((r) => toRange(r)).filter((r): r is Range => r !== null);
      const trusted = (a: ipaddr.IPv4 | ipaddr.IPv6) =>
        ranges.some(([net, bits]) => net.kind() === a.kind() && a.match(net, bits));
      return (src) => {
        let client = peer(src);
        const chain = forwardedChain(src);
        // Each trusted hop vouches for the entry to its left; the first untrusted one is the client.
        while (client && trusted(client) && chain.length > 0) {
          const next = canonical(chain.pop());
          if (!next) break; // garbage from a trusted proxy: stop at the last address we could verify
          client = next;
        }
        return text(client);
      };
    }
  }
}

function forwardedChain(src: ClientIpSources): string[] {
  const xff = src.header('x-forwarded-for');
  return xff
    ? xff
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];
}
