import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

// The Node server's own defences (src/http/node-server.ts), over raw sockets: what a slow, broken or
// oversized client sees. Timeouts are shortened so the tests take seconds; the defaults are 10 s / 30 s.

let tdb: TestDatabase;
let app: TestApp;
let server: { baseUrl: string; close(): Promise<void> };
let port: number;

beforeAll(async () => {
  tdb = await createTestDatabase();
  app = createTestApp(tdb.database, { HTTP_HEADERS_TIMEOUT: '1s', HTTP_REQUEST_TIMEOUT: '2s' });
  server = await app.listen();
  port = Number(new URL(server.baseUrl).port);
});
afterAll(async () => {
  await server?.close();
  await tdb?.drop();
});

/** A raw connection that records everything received and when the server closed it. */
async function rawSocket(): Promise<{ socket: Socket; received: () => string; closed: Promise<number> }> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let data = '';
  socket.on('data', (d) => (data += d.toString('latin1')));
  socket.on('error', () => {});
  const started = Date.now();
  const closed = once(socket, 'close').then(() => Date.now() - started);
  return { socket, received: () => data, closed };
}

/** Splits a raw HTTP/1.1 response into status, lower-cased headers and body. */
function parse(raw: string) {
  const [head = '', ...rest] = raw.split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(
    lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
  );
  return { status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') };
}

describe('slow clients', () => {
  it('a trickled body is cut at the request timeout with a 408 problem', async () => {
    const { socket, received, closed } = await rawSocket();
    socket.write(
      'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{',
    );
    const trickle = setInterval(() => socket.writable && socket.write(' '), 200);
    try {
      const ms = await closed;
      // 2 s timeout, checked every second: cut within ~3 s, nowhere near Node's default 300 s.
      expect(ms).toBeLessThan(8000);
      const res = parse(received());
      expect(res.status).toBe(408);
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(JSON.parse(res.body)).toMatchObject({ status: 408, code: 'request_timeout' });
    } finally {
      clearInterval(trickle);
    }
  });

  it('trickled headers are cut at the headers timeout', async () => {
    const { socket, received, closed } = await rawSocket();
    socket.write('GET /health HTTP/1.1\r\nHost: x\r\n');
    const trickle = setInterval(() => socket.writable && socket.write('X-A: b\r\n'), 200);
    try {
      expect(await closed).toBeLessThan(8000);
      const res = parse(received());
      expect(res.status).toBe(408);
      expect(JSON.parse(res.body)).toMatchObject({ code: 'request_timeout' });
    } finally {
      clearInterval(trickle);
    }
  });
});

describe('requests the server cannot parse', () => {
  it('headers over 16 KiB get a 431 problem and the connection closes', async () => {
    const { socket, received, closed } = await rawSocket();
    socket.write(`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    await closed;
    const res = parse(received());
    expect(res.status).toBe(431);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.headers.connection).toBe('close');
    expect(JSON.parse(res.body)).toMatchObject({ status: 431, code: 'headers_too_large' });
  });

  it('a malformed request gets a 400 problem', async () => {
    const { socket, received, closed } = await rawSocket();
    socket.write('THIS IS NOT HTTP\r\n\r\n');
    await closed;
    const res = parse(received());
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ status: 400, code: 'bad_request' });
  });
});

describe('413 on a keep-alive connection', () => {
  it('says Connection: close and closes, and the client’s next request (on a new connection) succeeds', async () => {
    const { socket, received, closed } = await rawSocket();
    socket.write(
      'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n' +
        `Content-Type: application/json\r\nContent-Length: ${2 * 1024 * 1024}\r\n\r\n{"a":"`,
    );
    await closed;
    const res = parse(received());
    expect(res.status).toBe(413);
    expect(res.headers.connection).toBe('close');
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    // A client that honours Connection: close opens a new connection for its next request.
    const next = await fetch(`${server.baseUrl}/health`);
    expect(next.status).toBe(200);
  });
});
