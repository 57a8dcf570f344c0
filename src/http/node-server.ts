import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Config } from '../config.js';
import type { ErrorCode } from '../errors.js';
import { problem } from './problem.js';

/**
 * Node's HTTP server defends itself only loosely by default: a client trickling its body is cut after
 * 300 s, connections are unlimited, and a malformed or oversized request gets a bare status line. This
 * applies the limits from config (seconds; a real client never comes near them) and answers protocol
 * errors as problem+json. Node only: Workers sit behind Cloudflare's edge, which does all of this.
 */
export function hardenServer(server: Server, limits: Config['server']): void {
  server.headersTimeout = limits.headersTimeoutSeconds * 1000;
  server.requestTimeout = limits.requestTimeoutSeconds * 1000;
  // Node's own 5 s by default: an idle keep-alive connection must not outlive a graceful shutdown. Behind
  // a load balancer that reuses idle connections longer, raise it above the balancer's idle timeout.
  server.keepAliveTimeout = limits.keepAliveTimeoutSeconds * 1000;
  // Node checks the two timeouts above every connectionsCheckingInterval (30 s by default), which it
  // reads when the server starts listening: call this right after creating the server.
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = 1000;
  // Over the cap, Node closes new connections at once instead of letting them pile up.
  server.maxConnections = limits.maxConnections;
  server.on('clientError', answerClientError);
}

const CLIENT_ERRORS: Record<string, [number, ErrorCode, string, string]> = {
  HPE_HEADER_OVERFLOW: [
    431,
    'headers_too_large',
    'Request header fields too large',
    'The request line and headers must fit in 16 KiB.',
  ],
  ERR_HTTP_REQUEST_TIMEOUT: [
    408,
    'request_timeout',
    'Request timeout',
    'The request was not received in time; send it again.',
  ],
};
const REASONS: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};

/**
 * Node's `clientError`: the request never reached the app (unparsable, headers too large, too slow).
 * Answers problem+json when nothing has been sent on the socket yet, then closes the connection.
 */
function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  const sent = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
  if (err.code === 'ECONNRESET' || !socket.writable || sent) {
    socket.destroy();
    return;
  }
  const [status, code, title, detail] = CLIENT_ERRORS[err.code ?? ''] ?? [
    400,
    'bad_request',
    'Bad request',
    'The request is not valid HTTP.',
  ];
  const body = JSON.stringify(problem(status, code, title, detail));
  socket.end(
    `HTTP/1.1 ${status} ${REASONS[status]}\r\n` +
      'Content-Type: application/problem+json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'X-Content-Type-Options: nosniff\r\n' +
      'Cache-Control: no-store\r\n' +
      'Connection: close\r\n\r\n' +
      body,
  );
}
