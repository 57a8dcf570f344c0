/**
 * A tiny, eval-free template language for email (Workers forbid `new Function`):
 *   {{path.to.value}}            a value; HTML-escaped when rendering HTML
 *   {{#if path}} … {{/if}}       a section shown when the value is truthy (may nest)
 * A reference to a missing value is an error, so a typo in a template fails its test instead of
 * sending an email with a hole in it.
 */
export class TemplateError extends Error {}

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'var'; path: string }
  | { kind: 'if'; path: string; body: Node[] };

const TOKEN = /\{\{\s*(#if\s+[\w.]+|\/if|[\w.]+)\s*\}\}/g;

/** Parses a template once; the result can be rendered many times. */
export function parseTemplate(source: string, name = 'template'): Node[] {
  const root: Node[] = [];
  const stack: { path: string; body: Node[] }[] = [];
  let current = root;
  let last = 0;
  for (const m of source.matchAll(TOKEN)) {
    if (m.index > last) current.push({ kind: 'text', text: source.slice(last, m.index) });
    last = m.index + m[0].length;
    const tag = m[1]!;
    if (tag.startsWith('#if')) {
      const section = { path: tag.slice(3).trim(), body: [] as Node[] };
      current.push({ kind: 'if', ...section });
      stack.push(section);
      current = section.body;
    } else if (tag === '/if') {
      if (!stack.pop()) throw new TemplateError(`${name}: {{/if}} without {{#if}}`);
      current = stack.at(-1)?.body ?? root;
    } else {
      current.push({ kind: 'var', path: tag });
    }
  }
  if (stack.length > 0) throw new TemplateError(`${name}: unclosed {{#if ${stack.at(-1)!.path}}}`);
  if (last < source.length) current.push({ kind: 'text', text: source.slice(last) });
  if (source.replace(TOKEN, '').includes('{{')) throw new TemplateError(`${name}: malformed {{…}} tag`);
  return root;
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]!);
}

function lookup(vars: Record<string, unknown>, path: string): unknown {
  let value: unknown = vars;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function renderNodes(nodes: Node[], vars: Record<string, unknown>, html: boolean, name: string): string {
  let out = '';
  for (const node of nodes) {
    if (node.kind === 'text') out += node.text;
    else if (node.kind === 'if') {
      const v = lookup(vars, node.path);
      if (v !== undefined && v !== null && v !== false && v !== '')
        out += renderNodes(node.body, vars, html, name);
    } else {
      const v = lookup(vars, node.path);
      if (v === undefined || (typeof v === 'object' && v !== null)) {
        throw new TemplateError(`${name}: no value for {{${node.path}}}`);
      }
      const s = v === null ? '' : String(v);
      out += html ? escapeHtml(s) : s;
    }
  }
  return out;
}

/** Renders a parsed template. `html` escapes every value; text output is left as is. */
export function renderTemplate(
  nodes: Node[],
  vars: Record<string, unknown>,
  opts: { html: boolean; name?: string },
): string {
  return renderNodes(nodes, vars, opts.html, opts.name ?? 'template');
}
