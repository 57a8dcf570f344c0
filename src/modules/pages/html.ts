import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * The few HTML pages the API serves itself (the targets of the links in emails, when there is no
 * front end). Everything variable is escaped; the pages load nothing and run no script, and the CSP
 * says so, so even a missed escape could not run code or send the token anywhere.
 */
export const PAGE_CSP = "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => ESCAPES[ch]!);

/**
 * Answers with a whole page. `bodyHtml` must already be escaped (build it with `escapeHtml`). The page's
 * URL may carry a token: `no-store` keeps it out of caches, `no-referrer` out of other sites' logs.
 */
export function htmlPage(c: Context, status: ContentfulStatusCode, title: string, bodyHtml: string) {
  c.header('Content-Security-Policy', PAGE_CSP);
  c.header('Cache-Control', 'no-store');
  c.header('Referrer-Policy', 'no-referrer');
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('X-Frame-Options', 'DENY');
  return c.html(
    `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${bodyHtml}
</main>
</body>
</html>
`,
    status,
  );
}

/** A form field's value as a string ('' when absent or a file), for `c.req.parseBody()` results. */
export const field = (body: Record<string, unknown>, name: string) => {
  const v = body[name];
  return typeof v === 'string' ? v : '';
};
