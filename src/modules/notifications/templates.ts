import { parseTemplate, renderTemplate } from './render.js';
import { LAYOUT_HTML, TEMPLATE_SOURCES, type TemplateName } from './templates.gen.js';

export type { TemplateName };
export const TEMPLATE_NAMES = Object.keys(TEMPLATE_SOURCES) as TemplateName[];

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

const LAYOUT_MARKER = '<!-- content -->';
const layout = parseTemplate(LAYOUT_HTML, '_layout.html');
const compiled = new Map(
  TEMPLATE_NAMES.map((name) => {
    const src = TEMPLATE_SOURCES[name];
    return [
      name,
      {
        subject: parseTemplate(src.subject, `${name}/subject.txt`),
        text: parseTemplate(src.text, `${name}/text.txt`),
        html: parseTemplate(src.html, `${name}/html.html`),
      },
    ] as const;
  }),
);

export function isTemplateName(name: string): name is TemplateName {
  return compiled.has(name as TemplateName);
}

/** Renders one notification: a one-line subject, a text part, and an HTML part inside the shared layout. */
export function renderEmail(name: TemplateName, vars: Record<string, unknown>): RenderedEmail {
  const t = compiled.get(name)!;
  const subject = renderTemplate(t.subject, vars, { html: false, name: `${name}/subject.txt` })
    .replace(/[\r\n]+/g, ' ')
    .trim();
  const text = renderTemplate(t.text, vars, { html: false, name: `${name}/text.txt` });
  const body = renderTemplate(t.html, vars, { html: true, name: `${name}/html.html` });
  const page = renderTemplate(layout, vars, { html: true, name: '_layout.html' });
  return { subject, text, html: page.replace(LAYOUT_MARKER, () => body) };
}
