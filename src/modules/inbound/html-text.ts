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
  let out = '';
  let i = 0;
  while (i < s.length) {
    const amp = s.indexOf('&', i);
    if (amp < 0) {
      out += s.slice(i);
      break;
    }
    out += s.slice(i, amp);
    const semi = s.indexOf(';', amp + 1);
    // Entities are short: look at most 10 characters ahead, so a stray `&` costs O(1).
    if (semi < 0 || semi - amp > 10) {
      out += '&';
      i = amp + 1;
      continue;
    }
    const name = s.slice(amp + 1, semi);
    let ch: string | undefined;
    if (name.startsWith('#x') || name.startsWith('#X')) ch = codePoint(Number.parseInt(name.slice(2), 16));
    else if (name.startsWith('#')) ch = codePoint(Number.parseInt(name.slice(1), 10));
    else ch = ENTITIES[name.toLowerCase()];
    if (ch === undefined) {
      out += '&';
      i = amp + 1;
    } else {
      out += ch;
      i = semi + 1;
    }
  }
  return out;
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
    while (n < body.length && n < 20 && /[A-Za-z0-9]/.test(body[n]!)) n++;
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
    if (BLOCK.has(name)) out += '\n';
  }
  return out
    .split('\n')
    .map((l) => l.trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
