/**
 * HTML mail to plain text, for mail that has no text part. A single left-to-right scan with `indexOf`
 * (no regex over the document, no backtracking): linear in the input, whatever it holds. It keeps the
 * words and the line structure, drops scripts, styles and comments, and stops at the quoted history mail
 * clients put under a reply (Gmail's `gmail_quote`, Outlook's `divRplyFwdMsg`/`appendonsend`, Apple Mail's
 * `<blockquote type="cite">`), so the stored message is what the person wrote.
 */

const BLOCK = new Set([
  'p',
  'div',
  'br',
  'li',
  'tr',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'table',
  'ul',
  'ol',
  'pre',
  'hr',
  'section',
  'article',
  'header',
  'footer',
]);
/** Elements whose content is never text. */
const SKIP = new Set(['script', 'style', 'head', 'title', 'template', 'noscript', 'svg']);

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  mdash: '—',
  ndash: '–',
  hellip: '…',
  rsquo: '’',
  lsquo: '‘',
  rdquo: '”',
  ldquo: '“',
  copy: '©',
  reg: '®',
  euro: '€',
};

/** Decodes the entities a mail client writes: named (common ones), decimal and hex. */
export function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  const parts: string[] = [];
  let i = 0;
  // The next `;` at or after the current `&`, found once and reused: amortised linear (an indexOf from
  // every `&` would make a text of `&`s without a `;` quadratic).
  let semi = -1; // Infinity once there is no `;` left
  while (i < s.length) {
    const amp = s.indexOf('&', i);
    if (amp < 0) {
      parts.push(s.slice(i));
      break;
    }
    parts.push(s.slice(i, amp));
    if (semi <= amp) {
      const found = s.indexOf(';', amp + 1);
      semi = found < 0 ? Number.POSITIVE_INFINITY : found;
    }
    // Entities are short: a `;` more than 10 characters on is not this one's.
    const ch = semi - amp > 10 ? undefined : entity(s.slice(amp + 1, semi));
    if (ch === undefined) {
      parts.push('&');
      i = amp + 1;
    } else {
      parts.push(ch);
      i = semi + 1;
    }
  }
  return parts.join('');
}

function entity(name: string): string | undefined {
  if (name.startsWith('#x') || name.startsWith('#X')) return codePoint(Number.parseInt(name.slice(2), 16));
  if (name.startsWith('#')) return codePoint(Number.parseInt(name.slice(1), 10));
  return ENTITIES[name.toLowerCase()];
}

function codePoint(n: number): string | undefined {
  if (!Number.isInteger(n) || n <= 0 || n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff)) return undefined;
  return String.fromCodePoint(n);
}

/** Does this start tag open the quoted history of a reply? */
function opensQuote(name: string, attrs: string): boolean {
  const a = attrs.toLowerCase();
  if (name === 'blockquote') return true;
  return (
    a.includes('gmail_quote') ||
    a.includes('divrplyfwdmsg') ||
    a.includes('appendonsend') ||
    a.includes('moz-cite-prefix') ||
    a.includes('yahoo_quoted')
  );
}

const isNameChar = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/** Plain text of an HTML mail body, quoted history cut off. */
export function htmlToText(html: string): string {
  let out = '';
  let i = 0;
  let skipping: string | null = null;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    const textEnd = lt < 0 ? html.length : lt;
    if (skipping === null && textEnd > i) out += decodeEntities(html.slice(i, textEnd).replace(/\s+/g, ' '));
    if (lt < 0) break;
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      i = end < 0 ? html.length : end + 3;
      continue;
    }
    const gt = html.indexOf('>', lt + 1);
    if (gt < 0) break;
    const tag = html.slice(lt + 1, gt);
    i = gt + 1;
    const closing = tag.startsWith('/');
    const body = closing ? tag.slice(1) : tag;
    let n = 0;
    while (n < body.length && n < 20 && isNameChar(body.charCodeAt(n))) n++;
    const name = body.slice(0, n).toLowerCase();
    if (skipping !== null) {
      if (closing && name === skipping) skipping = null;
      continue;
    }
    if (!closing && SKIP.has(name)) {
      skipping = name;
      continue;
    }
    // Everything from the quoted history on is what the person replied to, not what they wrote.
    if (!closing && opensQuote(name, body.slice(n, n + 2000))) break;
    // At most one blank line in a row, however many empty blocks there are.
    if (BLOCK.has(name) && !out.endsWith('\n\n')) out += '\n';
  }
  return out
    .split('\n')
    .map((l) => l.trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
