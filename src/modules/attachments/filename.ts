/**
 * What a stored filename and content type may be. The filename is the user's, so it is cleaned of
 * everything that could mislead a person or a program reading it: paths (`../`), controls (NUL, CR/LF),
 * bidirectional overrides (`invoice‮fdp.exe` showing as `invoiceexe.pdf`), characters file systems
 * refuse, and excess length. Every pattern here is a character class applied once (linear time).
 */
export const MAX_FILENAME_CHARS = 200;
const FALLBACK = 'file';

// C0 and C1 controls and DEL.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching controls is the point
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;
// Bidi embeddings/overrides/isolates and marks, zero-width characters, the BOM, line/paragraph separators.
const INVISIBLE = /[\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;
// Reserved on Windows or meaningful in headers and shells.
const RESERVED = /["*:<>?|\\/]/g;

// Half of a surrogate pair on its own (not valid UTF-16: it cannot be encoded in a header or the database).
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const trimmable = (c: string) => c === '.' || c.trim() === '';

/** Strips dots and white space at both ends, by index (a `[\s.]+$` regex is quadratic on inner runs). */
function trimDotsAndSpaces(name: string): string {
  let start = 0;
  let end = name.length;
  while (start < end && trimmable(name[start]!)) start++;
  while (end > start && trimmable(name[end - 1]!)) end--;
  return name.slice(start, end);
}

/** A safe, non-empty filename of at most MAX_FILENAME_CHARS characters, the extension kept. */
export function sanitizeFilename(raw: string | null | undefined): string {
  if (!raw) return FALLBACK;
  // The last path segment only (both separators: a Windows browser may send C:\Users\…).
  const slash = Math.max(raw.lastIndexOf('/'), raw.lastIndexOf('\\'));
  let name = slash >= 0 ? raw.slice(slash + 1) : raw;
  // Long input is cut before any more work, keeping its end (the extension): nothing else past this
  // could survive the length limit anyway.
  if (name.length > 4 * MAX_FILENAME_CHARS) {
    name = name.slice(0, 3 * MAX_FILENAME_CHARS) + name.slice(-32);
  }
  name = name.replace(LONE_SURROGATE, '_').normalize('NFC');
  name = name.replace(CONTROLS, '').replace(INVISIBLE, '').replace(RESERVED, '_');
  // No leading dots (hidden files, `..`), no trailing dots or spaces (Windows drops them).
  name = trimDotsAndSpaces(name);
  if (!name) return FALLBACK;
  const chars = Array.from(name);
  if (chars.length <= MAX_FILENAME_CHARS) return name;
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 ? Array.from(name.slice(dot)) : [];
  const keepExt = ext.length > 1 && ext.length <= 16 ? ext : [];
  return chars.slice(0, MAX_FILENAME_CHARS - keepExt.length).join('') + keepExt.join('');
}

/**
 * Content types stored as given; anything else is stored (and served) as application/octet-stream.
 * Nothing a browser would render as a page or run (no HTML, SVG, XML, JavaScript).
 */
export const ALLOWED_CONTENT_TYPES = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'application/pdf',
  'text/plain',
  'text/csv',
  'application/json',
  'application/zip',
  'application/gzip',
  'message/rfc822',
  'application/msword',
  'application/vnd.ms-excel',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
]);
export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** The type to store for what the client claimed (parameters such as charset are dropped). */
export function allowedContentType(claimed: string | null | undefined): string {
  const type = (claimed ?? '').split(';')[0]!.trim().toLowerCase();
  return ALLOWED_CONTENT_TYPES.has(type) ? type : DEFAULT_CONTENT_TYPE;
}

/**
 * `Content-Disposition: attachment` for a stored filename (RFC 6266): an ASCII `filename` for old clients
 * (non-ASCII, quotes and backslashes become `_`) and the exact name in `filename*` (RFC 8187, UTF-8).
 */
export function contentDisposition(raw: string): string {
  // Stored names are sanitised already; this keeps the function total (encodeURIComponent throws on them).
  const filename = raw.replace(LONE_SURROGATE, '_');
  const ascii = filename.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
