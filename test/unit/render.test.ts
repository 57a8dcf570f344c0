import { describe, expect, it } from 'vitest';
import {
  escapeHtml,
  parseTemplate,
  renderTemplate,
  TemplateError,
} from '../../src/modules/notifications/render.js';
import { renderEmail, TEMPLATE_NAMES } from '../../src/modules/notifications/templates.js';

const render = (src: string, vars: Record<string, unknown>, html = false) =>
  renderTemplate(parseTemplate(src), vars, { html });

describe('template language', () => {
  it('substitutes dotted paths', () => {
    expect(render('Hi {{ user.name }} #{{id}}', { user: { name: 'Ada' }, id: 7 })).toBe('Hi Ada #7');
  });

  it('escapes every value in HTML and none in text', () => {
    const vars = { v: `<img src=x onerror="a('b')"> & co` };
    expect(render('{{v}}', vars, true)).toBe('&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt; &amp; co');
    expect(render('{{v}}', vars, false)).toBe(vars.v);
  });

  it('shows {{#if}} sections only for truthy values, nested', () => {
    const src = '{{#if a}}A{{#if b}}B{{/if}}{{/if}}.';
    expect(render(src, { a: 1, b: 'x' })).toBe('AB.');
    expect(render(src, { a: 1, b: '' })).toBe('A.');
    expect(render(src, { a: null })).toBe('.');
  });

  it('fails loudly on a missing value instead of sending a hole', () => {
    expect(() => render('Hello {{name}}', {})).toThrow(TemplateError);
    expect(() => render('{{obj}}', { obj: { a: 1 } })).toThrow(/no value/);
  });

  it('does not read inherited properties', () => {
    expect(() => render('{{constructor}}', {})).toThrow(TemplateError);
  });

  it('rejects malformed templates', () => {
    expect(() => parseTemplate('{{#if a}}x')).toThrow(/unclosed/);
    expect(() => parseTemplate('x{{/if}}')).toThrow(/without/);
    expect(() => parseTemplate('{{ bad tag! }}')).toThrow(/malformed/);
  });

  it('escapeHtml covers the five special characters', () => {
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
  });
});

const sample = {
  appName: 'Helpdesk',
  appUrl: 'https://h.test',
  recipient: { name: 'Rita' },
  requester: { name: 'Ada', email: 'ada@x.test' },
  ticket: { id: 1042, subject: 'Printer <on> fire', url: 'https://h.test/t/1042', priority: 'high' },
  message: { body: 'It <b>burns</b>' },
  author: { name: 'Sam' },
  assignee: { name: 'Alex' },
  actor: { name: 'Sam' },
  change: { from: 'new', to: 'solved', reason: 'fixed' },
  token: 'tok_123',
  confirmUrl: 'https://h.test/api/v1/auth/password-reset/confirm',
  expiresInMinutes: 30,
};

describe('the shipped email templates', () => {
  it.each(TEMPLATE_NAMES)('%s renders a subject, a text part and an escaped HTML part', (name) => {
    const email = renderEmail(name, sample);
    expect(email.subject.length).toBeGreaterThan(5);
    expect(email.subject).not.toMatch(/[\r\n]|\{\{/);
    expect(email.text).not.toContain('{{');
    expect(email.html).toMatch(/^<!doctype html>/);
    expect(email.html).not.toMatch(/<b>burns|Printer <on>/);
    if (name !== 'password_reset') expect(email.subject).toContain('[#1042]');
  });
});
