import type { Resolve } from './url-guard.js';

// How a delivery leaves the process. Two implementations with one contract: `fetchTransport` (Workers,
// and the default) and `nodeTransport` (node-transport.ts: node:http with the checked address pinned).

/** One POST to a receiver. */
export interface WebhookRequest {
  url: URL;
  /** The address the URL's host was resolved to and checked; the connection must go to it. */
  address: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** Read at most this much of the response body (kept for the delivery log); the rest is discarded. */
  maxResponseBytes: number;
}

export interface WebhookResponse {
  status: number;
  /** The start of the body, at most `maxResponseBytes`. */
  body: string;
}

export interface WebhookTransport {
  /** All addresses of a host name (A and AAAA). */
  resolve: Resolve;
  /** Sends, never following redirects; rejects on a network error or after `timeoutMs`. */
  post(req: WebhookRequest): Promise<WebhookResponse>;
}

/** Response bytes kept for the delivery log. */
export const MAX_RESPONSE_BYTES = 4096;

/** Reads at most `max` bytes of a body stream, then cancels it: a 10 MB answer is never buffered. */
export async function readCapped(body: ReadableStream<Uint8Array> | null, max: number): Promise<string> {
  if (!body) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < max) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  const all = new Uint8Array(Math.min(size, max));
  let at = 0;
  for (const c of chunks) {
    const take = Math.min(c.byteLength, all.length - at);
    all.set(c.subarray(0, take), at);
    at += take;
    if (at >= all.length) break;
  }
  return new TextDecoder().decode(all);
}

interface DnsAnswer {
  Answer?: { type: number; data: string }[];
}

/**
 * DNS over HTTPS (Cloudflare's resolver, JSON API): Workers have no resolver of their own. A and AAAA
 * together; a failure or an empty answer resolves to no addresses (the URL is then refused).
 */
async function resolveOverHttps(host: string): Promise<string[]> {
  const ask = async (type: 'A' | 'AAAA') => {
    const res = await fetch(
      `https://cloudflare-dns.com/dns-query?name=${encodeURIComponent(host)}&type=${type}`,
      {
        headers: { accept: 'application/dns-json' },
        signal: AbortSignal.timeout(3000),
      },
    );
    if (!res.ok) return [];
    const json = (await res.json()) as DnsAnswer;
    return (json.Answer ?? []).filter((a) => a.type === (type === 'A' ? 1 : 28)).map((a) => a.data);
  };
  const [v4, v6] = await Promise.all([ask('A').catch(() => []), ask('AAAA').catch(() => [])]);
  return [...v4, ...v6];
}

/**
 * `fetch` with `redirect: 'manual'` and a deadline. It cannot pin the checked address (fetch resolves
 * the name again), which is why Node uses `nodeTransport`; on Workers the platform itself refuses to
 * connect to private, loopback and link-local addresses, so a name re-pointed between check and
 * connection still reaches nothing internal.
 */
export const fetchTransport: WebhookTransport = {
  resolve: resolveOverHttps,
  async post(req) {
    const res = await fetch(req.url, {
      method: 'POST',
      headers: req.headers,
      body: req.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(req.timeoutMs),
    });
    return { status: res.status, body: await readCapped(res.body, req.maxResponseBytes) };
  },
};
