import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a receiver answers: 200 (`ok`), 500, a 302, a 10 MB body, or nothing at all (`hang`). */
export type ReceiverMode = 'ok' | 'fail' | 'redirect' | 'big' | 'hang';

export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>`; append a path, e.g. `${base}/crm`. */
  base: string;
  received: ReceivedWebhook[];
  /** The answer per path (default `ok`). */
  modes: Map<string, ReceiverMode>;
  /** Resolves once `count` requests for `path` (all paths when omitted) have arrived. */
  waitFor(count: number, path?: string, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  /** Called on every request (benchmarks time deliveries with it). */
  onRequest?: (r: ReceivedWebhook) => void;
  close(): Promise<void>;
}

const TEN_MB = 10 * 1024 * 1024;

function bigBody(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(TEN_MB) });
  const chunk = Buffer.alloc(64 * 1024, 'x');
  let sent = 0;
  const pump = () => {
    while (sent < TEN_MB) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    res.end();
  };
  res.on('error', () => {});
  pump();
}

/** A real HTTP receiver on 127.0.0.1 that records what it gets and answers as told. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const waiters = new Set<() => void>();
  const hanging = new Set<ServerResponse>();
  const modes = new Map<string, ReceiverMode>();
  const receiver = {} as WebhookReceiver;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      const r = { path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      received.push(r);
      receiver.onRequest?.(r);
      for (const w of waiters) w();
      switch (modes.get(path) ?? 'ok') {
        case 'ok':
          res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
          break;
        case 'fail':
          res.writeHead(500, { 'content-type': 'text/plain' }).end('receiver exploded');
          break;
        case 'redirect':
          res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
          break;
        case 'big':
          bigBody(res);
          break;
        case 'hang':
          hanging.add(res);
          break;
      }
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  Object.assign(receiver, {
    base: `http://127.0.0.1:${port}`,
    received,
    modes,
    waitFor(count: number, path?: string, timeoutMs = 10_000) {
      const matching = () => received.filter((r) => path === undefined || r.path === path);
      return new Promise<ReceivedWebhook[]>((resolve, reject) => {
        const check = () => {
          const m = matching();
          if (m.length >= count) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(m);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`receiver: ${matching().length} of ${count} requests for ${path ?? 'any path'}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
  return receiver;
}
