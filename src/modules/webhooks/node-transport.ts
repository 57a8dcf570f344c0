import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { WebhookTransport } from './transport.js';

// The Node transport: node:http(s) with the connection pinned to the address the dispatcher checked
// (a custom `lookup` that answers with it), so a DNS answer that changes between the check and the
// connection (DNS rebinding) cannot send a delivery to an internal address. TLS still verifies the
// certificate against the URL's host name (SNI and `servername` come from the URL). Not imported by the
// Workers bundle: only src/entry/node.ts and the tests use it.

const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }),
};

/** A `lookup` that answers every query with `address`, whatever name it is asked about. */
function pinned(address: string): LookupFunction {
  const family = address.includes(':') ? 6 : 4;
  return (_host, options, callback) => {
    if ((options as { all?: boolean }).all) {
      (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [
        { address, family },
      ]);
    } else callback(null, address, family);
  };
}

export function nodeTransport(): WebhookTransport {
  return {
    async resolve(host) {
      const answers = await lookup(host, { all: true, verbatim: true });
      return answers.map((a) => a.address);
    },
    post(req) {
      return new Promise((resolve, reject) => {
        const isHttps = req.url.protocol === 'https:';
        const client = isHttps ? https : http;
        const r = client.request(
          req.url,
          {
            method: 'POST',
            headers: { ...req.headers, 'content-length': Buffer.byteLength(req.body) },
            agent: agents[isHttps ? 'https:' : 'http:'],
            lookup: pinned(req.address),
          },
          (res) => {
            const chunks: Buffer[] = [];
            let size = 0;
            res.on('data', (chunk: Buffer) => {
              if (size >= req.maxResponseBytes) return;
              chunks.push(chunk);
              size += chunk.length;
              // Enough for the log: stop reading; the socket is dropped rather than drained.
              if (size >= req.maxResponseBytes) {
                done();
                res.destroy();
              }
            });
            res.on('end', () => done());
            res.on('error', () => done());
            res.on('close', () => done());
            let settled = false;
            const done = () => {
              if (settled) return;
              settled = true;
              clearTimeout(timer);
              resolve({
                status: res.statusCode ?? 0,
                body: Buffer.concat(chunks).subarray(0, req.maxResponseBytes).toString('utf8'),
              });
            };
          },
        );
        // One deadline for the whole exchange: connecting, sending, the answer and its body.
        const timer = setTimeout(
          () => r.destroy(new Error(`timed out after ${req.timeoutMs / 1000} s`)),
          req.timeoutMs,
        );
        r.on('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
        r.end(req.body);
      });
    },
  };
}
