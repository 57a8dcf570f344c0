import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP receiver that answers 200 at once and records, per `webhook-id`, when the delivery arrived and
 * the payload's `timestamp` (the event's commit time): the far end of the webhook scenarios. It does not
 * verify signatures (the tests do); it reads the body only to learn the timestamp.
 */
export interface CountingReceiver {
  url: string;
  /** webhook-id → [arrival ms, event timestamp ms]. */
  received: Map<string, [number, number]>;
  close(): Promise<void>;
}

export async function startCountingReceiver(): Promise<CountingReceiver> {
  const received = new Map<string, [number, number]>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = Date.now();
      let ts = 0;
      try {
        ts = Date.parse(
          (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { timestamp: string }).timestamp,
        );
      } catch {
        // not a delivery
      }
      received.set(String(req.headers['webhook-id']), [at, ts]);
      res.writeHead(200).end();
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
