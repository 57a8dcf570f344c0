import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findDocsBundle } from '../../src/entry/docs-asset.js';
import { DOCS_CSP, DOCS_SCRIPT_PATH } from '../../src/http/docs.js';
import { useTestApp } from '../helpers/app.js';

const env = useTestApp();

const expectProblem = (
  res: { headers: Record<string, string>; body: Record<string, unknown> },
  status: number,
  code: string,
) => {
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({
    status,
    code,
    type: expect.stringContaining(code),
    title: expect.any(String),
  });
  expect(JSON.stringify(res.body)).not.toMatch(/at .*\.(ts|js):\d+|SELECT|stack/i);
};

describe('operations routes', () => {
  it('GET /health answers ok', async () => {
    const res = await env.app.http.get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('GET /ready answers ok while the database is reachable', async () => {
    const res = await env.app.http.get('/ready');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('GET /openapi.json is an OpenAPI 3.1 document of every route', async () => {
    const res = await env.app.http.get('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining([
        '/health',
        '/ready',
        '/api/v1/auth/register',
        '/api/v1/auth/login',
        '/api/v1/me',
      ]),
    );
    expect(res.body.paths['/api/v1/me'].get.security).toEqual([{ bearerAuth: [] }]);
    expect(res.body.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(res.body.components.schemas.Problem).toBeDefined();
  });

  it('GET /docs serves an interactive reference pointing at the document, all from this origin', async () => {
    const res = await env.app.http.get('/docs');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toContain('/openapi.json');
    // Nothing from elsewhere (the old page loaded an unpinned Scalar from a CDN): no absolute URL at all,
    // no inline script, and a CSP that lets scripts, styles, fonts and requests come from here only.
    expect(res.text).not.toMatch(/(https?:)?\/\/[a-z0-9.-]+\.[a-z]/i);
    const scripts = [...res.text.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts).toHaveLength(1);
    expect(scripts[0]![2]!.trim()).toBe('');
    expect(scripts[0]![1]).toContain(`src="${DOCS_SCRIPT_PATH}"`);
    const csp = res.headers['content-security-policy'] as string;
    expect(csp).toBe(DOCS_CSP);
    expect(csp).toMatch(/(^|; )script-src 'self'(;|$)/);
    expect(csp).toMatch(/(^|; )connect-src 'self'(;|$)/);
    expect(csp).toMatch(/(^|; )default-src 'none'(;|$)/);

    // The bundle itself: the installed @scalar/api-reference build, byte for byte, cacheable for good.
    const js = await env.app.http
      .get(DOCS_SCRIPT_PATH)
      .buffer(true)
      .parse((r, done) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => done(null, Buffer.concat(chunks)));
      });
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/^(text|application)\/javascript/);
    expect(js.headers['cache-control']).toContain('immutable');
    expect(js.headers['x-content-type-options']).toBe('nosniff');
    const bundle = findDocsBundle();
    expect(bundle).not.toBeNull();
    expect(Buffer.compare(js.body as Buffer, readFileSync(bundle!))).toBe(0);
    expect((js.body as Buffer).length).toBeGreaterThan(1_000_000);
  });

  it('GET /docs/scalar-<other version>.js is a 404', async () => {
    const res = await env.app.http.get('/docs/scalar-0.0.1.js');
    expect(res.status).toBe(404);
  });
});

describe('errors are problem+json', () => {
  it('404 for an unknown route', async () => {
    const res = await env.app.http.get('/api/v1/nothing-here');
    expect(res.status).toBe(404);
    expectProblem(res, 404, 'not_found');
  });

  it('413 for a body over 1 MiB, even without a Content-Length', async () => {
    const big = JSON.stringify({ body: 'x'.repeat(1024 * 1024 + 10) });
    const res = await env.app.http.post('/api/v1/anything').set('Content-Type', 'application/json').send(big);
    expect(res.status).toBe(413);
    expectProblem(res, 413, 'payload_too_large');

    // A streamed (chunked) body has no Content-Length; the limit still counts the bytes read.
    const server = await env.app.listen();
    try {
      const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent++ < 20) controller.enqueue(chunk);
          else controller.close();
        },
      });
      const res2 = await fetch(`${server.baseUrl}/api/v1/anything`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body,
        duplex: 'half',
      } as RequestInit);
      expect(res2.status).toBe(413);
      expect(res2.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    } finally {
      await server.close();
    }
  });

  it('415 for a body that is not JSON', async () => {
    const res = await env.app.http.post('/api/v1/anything').set('Content-Type', 'text/plain').send('hello');
    expect(res.status).toBe(415);
    expectProblem(res, 415, 'unsupported_media_type');
  });
});

describe('request ids', () => {
  it('generates an X-Request-Id when none is sent', async () => {
    const res = await env.app.http.get('/health');
    expect(res.headers['x-request-id']).toMatch(/^[\w-]{8,}$/);
  });

  it('echoes a valid incoming X-Request-Id and replaces an invalid one', async () => {
    const ok = await env.app.http.get('/health').set('X-Request-Id', 'abc-123_XYZ');
    expect(ok.headers['x-request-id']).toBe('abc-123_XYZ');
    const bad = await env.app.http.get('/health').set('X-Request-Id', 'bad id with spaces <script>');
    expect(bad.headers['x-request-id']).not.toContain(' ');
    expect(bad.headers['x-request-id']).toMatch(/^[\w-]+$/);
  });

  it('carries the id on error responses too', async () => {
    const res = await env.app.http.get('/nope').set('X-Request-Id', 'trace-me');
    expect(res.status).toBe(404);
    expect(res.headers['x-request-id']).toBe('trace-me');
  });
});
