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
  ticket: {
    id: 1042,
    subject: 'Printer <on> fire',
    url: 'https://h.test/t/1042',
    priority: 'high',
    status: 'open',
  },
  sla: { target: 'first response', dueAt: '2026-11-21T20:40:52.123Z' },
  message: { body: 'It <b>burns</b>' },
  author: { name: 'Sam' },
  assignee: { name: 'Alex' },
  actor: { name: 'Sam' },
  change: { from: 'new', to: 'solved', reason: 'fixed' },
  target: { id: 1040, subject: 'Printers <all> down', url: 'https://h.test/t/1040' },
  token: 'tok_123',
  resetTokenUrl: 'https://h.test/reset-password?token=tok_123',
  resetPageUrl: 'https://h.test/reset-password',
  verifyTokenUrl: 'https://h.test/verify-email?token=tok_456',
  expiresInMinutes: 30,
  expiresInHours: 72,
  webhook: { id: '3', url: 'https://crm.test/hook?a=<b>', failures: 5, lastError: 'HTTP 500: <oops>' },
};
/** Emails about no ticket: they carry no `[#id]` in the subject. */
const NOT_ABOUT_A_TICKET = ['password_reset', 'verify_email', 'webhook_disabled'];

describe('the shipped email templates', () => {
  it.each(TEMPLATE_NAMES)('%s renders a subject, a text part and an escaped HTML part', (name) => {
    const email = renderEmail(name, sample);
    expect(email.subject.length).toBeGreaterThan(5);
    expect(email.subject).not.toMatch(/[\r\n]|\{\{/);
    expect(email.text).not.toContain('{{');
    expect(email.html).toMatch(/^<!doctype html>/);
    expect(email.html).not.toMatch(/<b>burns|Printer <on>/);
    expect(email.html).not.toMatch(/<oops>|a=<b>/);
    if (!NOT_ABOUT_A_TICKET.includes(name)) expect(email.subject).toContain('[#1042]');
  });

  it('without WEB_URL (ticket.url null) ticket emails carry no link, and nothing points at the JSON API', () => {
    for (const name of TEMPLATE_NAMES) {
      const email = renderEmail(name, { ...sample, ticket: { ...sample.ticket, url: null } });
      expect(email.text, name).not.toContain('/api/v1');
      expect(email.html, name).not.toMatch(/View the ticket|Open the ticket/);
    }
  });

  it('the password-reset email links to the page that resets it and no longer says "POST it"', () => {
    const email = renderEmail('password_reset', sample);
    expect(email.text).toContain('https://h.test/reset-password?token=tok_123');
    expect(email.text).not.toMatch(/POST/);
    expect(email.html).toContain('href="https://h.test/reset-password?token=tok_123"');
  });
});
