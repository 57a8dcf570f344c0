import type { Hono } from 'hono';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from './env.js';
import { problem, problemResponse } from './problem.js';

/**
 * The version of @scalar/api-reference whose browser bundle /docs loads: package.json pins the same one
 * exactly (test/unit/docs-page.test.ts keeps them equal), and scripts/docs-asset.mjs names the copied
 * bundle after it, so its URL changes with every upgrade and browsers may cache it for good.
 */
export const SCALAR_VERSION = '1.76.0';
export const DOCS_SCRIPT_PATH = `/docs/scalar-${SCALAR_VERSION}.js`;

/**
 * Everything the reference loads comes from this origin: its script, the OpenAPI document, and the
 * requests "Test request" sends. Styles are injected inline by the bundle; images may be data: or blob:
 * URLs (icons, response previews). Default fonts (Scalar's font CDN) and telemetry are off in the page.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Scalar's configuration, read by the bundle from the script tag (no inline script needed). */
const scalarConfiguration = {
  withDefaultFonts: false,
  telemetry: false,
  agent: { disabled: true },
};

const escapeAttribute = (value: string) =>
  value.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

const DOCS_PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Helpdesk API reference</title>
  </head>
  <body>
    <script id="api-reference" data-url="/openapi.json" data-configuration="${escapeAttribute(JSON.stringify(scalarConfiguration))}" src="${DOCS_SCRIPT_PATH}"></script>
  </body>
</html>
`;

/**
 * GET /docs: the interactive API reference, served whole from this origin (it works offline and under
 * its own CSP). GET /docs/scalar-<version>.js: the bundle, from `deps.docsAsset` (the Node entry reads
 * the installed file, the Workers entry its static assets); without one, 404.
 */
export function registerDocs(app: Hono<AppEnv>, deps: AppDeps): void {
  app.get('/docs', (c) => {
    c.header('Content-Security-Policy', DOCS_CSP);
    c.header('Cache-Control', 'no-cache');
    return c.html(DOCS_PAGE);
  });
  app.get(DOCS_SCRIPT_PATH, async (c) => {
    const asset = deps.docsAsset ? await deps.docsAsset() : null;
    if (!asset?.ok || !asset.body) {
      await asset?.body?.cancel();
      deps.logger.warn('the API reference bundle is not available: /docs cannot load it');
      return problemResponse(c, problem(404, 'not_found', 'Not found', `No route for GET ${c.req.path}.`));
    }
    const headers = new Headers({
      'Content-Type': 'text/javascript; charset=utf-8',
      'Cache-Control': 'public, max-age=31536000, immutable',
    });
    const length = asset.headers.get('content-length');
    if (length) headers.set('Content-Length', length);
    return new Response(asset.body, { status: 200, headers });
  });
}
