import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import type { AppEnv } from '../../src/http/env.js';
import { etag, ifMatch, notModified } from '../../src/http/etag.js';
import { parseId } from '../../src/http/ids.js';
import { jsonOnly, MAX_BODY_BYTES, requestIds } from '../../src/http/middleware.js';
import { decodeCursor } from '../../src/http/pagination.js';
import { redact, scrubUrlCredentials } from '../../src/logger.js';
import { ChangePasswordInput, PasswordResetInput } from '../../src/modules/auth/account-schemas.js';
import { LoginInput, RegisterInput } from '../../src/modules/auth/schemas.js';
import { ExportQuery } from '../../src/modules/feed/export.js';
import { type FieldDef, validateFields } from '../../src/modules/fields/values.js';
import { MacroActions } from '../../src/modules/macros/schemas.js';
import { CreateMessageInput } from '../../src/modules/messages/schemas.js';
import { escapeHtml } from '../../src/modules/notifications/render.js';
import { renderEmail } from '../../src/modules/notifications/templates.js';
import { CSAT_PAGE } from '../../src/modules/pages/csat.js';
import { CsatComment } from '../../src/modules/pages/csat-input.js';
import { checkCsrf, constantTimeEqual } from '../../src/modules/pages/csrf.js';
import { SummaryQuery, TimeseriesQuery } from '../../src/modules/reports/schemas.js';
import { fullTextQuery } from '../../src/modules/tickets/list.js';
import { verifyCsatToken } from '../../src/modules/tickets/satisfaction-token.js';
import {
  BulkInput,
  CreateTicketInput,
  MergeInput,
  TicketListQuery,
  TransitionInput,
  UpdateTicketInput,
} from '../../src/modules/tickets/schemas.js';
import { containsPattern } from '../../src/modules/users/repo.js';
import { CreateUserInput, UpdateMeInput, UserListQuery } from '../../src/modules/users/schemas.js';
import { CreateWebhookInput, UpdateWebhookInput } from '../../src/modules/webhooks/schemas.js';
import { checkDestination, parseWebhookUrl } from '../../src/modules/webhooks/url-guard.js';

/**
 * Every regex and parser that sees user input, fed the worst input of the largest size the app lets
 * through, must finish within a generous bound. A backtracking pattern fails this by orders of magnitude
 * (the old URL scrubber took 4–9 s on 64 KiB of letters, and grows with the square of the length), so the
 * bound is loose enough for a busy CI machine, and each case is timed as the best of three runs so that one
 * garbage collection or descheduled moment cannot fail it. Unloaded, every case here takes < 60 ms.
 *
 * Sizes: a JSON body is capped at 1 MiB (MAX_BODY_BYTES), so every body field is tried at 1 MiB even where
 * the schema's own maximum is lower (checks run on the whole string before `max` rejects it); a message
 * body reaches the email pipeline and the logs at up to 65,535 characters; headers and URLs are capped at
 * 16 KiB by Node.
 */
const BOUND_MS = 500;
const MIB = MAX_BODY_BYTES;
const HEADER = 16 * 1024;
const BODY_MAX = 65_535;

/** `unit` repeated to `size` characters (cut to size), optionally followed by `tail`. */
const run = (unit: string, size: number, tail = '') =>
  unit.repeat(Math.ceil(size / unit.length)).slice(0, size) + tail;

/**
 * Runs `fn` once on a small input to warm up, then times it on the worst case: the best of three runs,
 * stopping early once one is within the bound (a quadratic case never is, so it is not run three times).
 */
async function timed(fn: (input: string) => unknown, worst: string): Promise<void> {
  await fn('warm up');
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3 && best >= BOUND_MS; i++) {
    const started = performance.now();
    await fn(worst);
    best = Math.min(best, performance.now() - started);
    if (best >= 10 * BOUND_MS) break;
  }
  expect(best, `${best.toFixed(0)} ms on ${worst.length} characters`).toBeLessThan(BOUND_MS);
}

describe('log scrubbing (issue 10 item 1)', () => {
  // The reproduction (9 s on the old regex): a maximal message body of letters, as the dispatcher
  // and a failed query's error carry it.
  it(`a ${BODY_MAX}-letter message body, as redacted after sending`, async () => {
    await timed(scrubUrlCredentials, run('a', BODY_MAX));
    await timed(
      (body) => redact({ message: { body }, ticket: { subject: body.slice(0, 200) } }),
      run('a', BODY_MAX),
    );
  });

  it.each([
    ['letters', run('a', MIB)],
    ['scheme characters', run('a+.-0', MIB)],
    ['repeated "a://"', run('a://', MIB)],
    ['repeated "a://b:"', run('a://b:', MIB)],
    ['one scheme, a user and a password with no "@"', `a://${run('b', MIB / 2)}:${run('c', MIB / 2)}`],
    ['repeated "\\nparams: "', run('\nparams: ', MIB)],
    ['a request path of letters', `/${run('a', HEADER)}`],
  ])('1 MiB worst case: %s', async (_name, worst) => {
    await timed(scrubUrlCredentials, worst);
  });
});

describe('request body validation, at 1 MiB per field', () => {
  const bodies: [string, (s: string) => unknown, string[]][] = [
    ['register email', (s) => RegisterInput.safeParse({ email: s, password: 'x', name: 'x' }), emailWorst()],
    ['login email', (s) => LoginInput.safeParse({ email: s, password: 'x' }), emailWorst()],
    ['password reset email', (s) => PasswordResetInput.safeParse({ email: s }), emailWorst()],
    [
      'create user email',
      (s) => CreateUserInput.safeParse({ email: s, password: 'x', name: 'x', role: 'user' }),
      emailWorst(),
    ],
    [
      'login password (72-byte check)',
      (s) => LoginInput.safeParse({ email: 'a@b.co', password: s }),
      textWorst(),
    ],
    [
      'current password',
      (s) => ChangePasswordInput.safeParse({ currentPassword: s, newPassword: s }),
      textWorst(),
    ],
    [
      'name (register)',
      (s) => RegisterInput.safeParse({ email: 'a@b.co', password: 'x', name: s }),
      textWorst(),
    ],
    ['name (PATCH /me)', (s) => UpdateMeInput.safeParse({ name: s }), textWorst()],
    ['subject', (s) => CreateTicketInput.safeParse({ subject: s, body: 'x' }), textWorst()],
    ['ticket body', (s) => CreateTicketInput.safeParse({ subject: 'x', body: s }), textWorst()],
    ['message body', (s) => CreateMessageInput.safeParse({ body: s }), textWorst()],
    ['transition reason', (s) => TransitionInput.safeParse({ to: 'open', reason: s }), textWorst()],
    [
      'tag (NFKC, lower-case, pattern)',
      (s) => CreateTicketInput.safeParse({ subject: 'x', body: 'x', tags: [s] }),
      tagWorst(),
    ],
    [
      'assigneeId',
      (s) => UpdateTicketInput.safeParse({ assigneeId: s }),
      [run('1', MIB), run('1', MIB, 'x')],
    ],
  ];
  for (const [field, parse, worsts] of bodies) {
    it(field, async () => {
      for (const worst of worsts) await timed(parse, worst);
    });
  }
});

describe('query strings and paths, at 16 KiB', () => {
  it('ticket list filters: assignee, requester, tag, status list, q', async () => {
    for (const worst of [run('1', HEADER), run('1', HEADER, 'x'), `me${run('1', HEADER)}`]) {
      await timed((s) => TicketListQuery.safeParse({ assignee: s, requester: s }), worst);
    }
    for (const worst of tagWorst(HEADER)) await timed((s) => TicketListQuery.safeParse({ tag: s }), worst);
    await timed((s) => TicketListQuery.safeParse({ status: s }), run(',', HEADER));
    await timed((s) => TicketListQuery.safeParse({ status: s }), run('open,', HEADER));
    await timed((s) => TicketListQuery.safeParse({ q: s }), run('a ', HEADER));
  });

  it('full-text query building and the LIKE pattern of the users search', async () => {
    await timed(fullTextQuery, run('a-', HEADER));
    await timed(fullTextQuery, run('a', HEADER));
    await timed(containsPattern, run('!%_', HEADER));
    await timed((s) => UserListQuery.safeParse({ q: s }), run('a', HEADER));
  });

  it('ids in paths', async () => {
    await timed(parseId, run('1', HEADER));
    await timed(parseId, run('1', HEADER, 'x'));
  });

  it('the cursor decoder', async () => {
    for (const worst of [
      run('-', HEADER),
      run('_', HEADER),
      // Deeply nested JSON, base64url-encoded: must be refused, not overflow the stack into a 500.
      Buffer.from(run('[', (HEADER / 4) * 3)).toString('base64url'),
      Buffer.from(JSON.stringify([run('a', (HEADER / 4) * 3 - 10)])).toString('base64url'),
    ]) {
      await timed((s) => {
        try {
          decodeCursor(s, ['string', 'number']);
        } catch {
          // 400 invalid_cursor: the point is how long it takes.
        }
      }, worst);
    }
  });
});

describe('headers, at 16 KiB', () => {
  const app = new Hono()
    .use(requestIds())
    .use(jsonOnly())
    .all('/', (c) => c.text(`${String(ifMatch(c))} ${notModified(c, 1)}`))
    .onError((_err, c) => c.text('refused', 415));
  const send = (headers: Record<string, string>) =>
    Promise.resolve(app.request('/', { method: 'POST', headers, body: '{}' }));

  it('If-Match', async () => {
    for (const worst of [
      run('1', HEADER),
      `W/"${run('1', HEADER)}`,
      run('"', HEADER),
      `W/${run('W/', HEADER)}`,
    ]) {
      await timed((s) => send({ 'if-match': s, 'content-type': 'application/json' }), worst);
      await timed((s) => send({ 'if-none-match': s, 'content-type': 'application/json' }), worst);
    }
    expect(await (await send({ 'if-match': etag(5), 'content-type': 'application/json' })).text()).toBe(
      '5 false',
    );
    expect(
      await (await send({ 'if-none-match': `W/"1", ${etag(2)}`, 'content-type': 'application/json' })).text(),
    ).toBe('null true');
  });

  it('X-Request-Id', async () => {
    for (const worst of [run('a', HEADER), run('-', HEADER, '!')]) {
      await timed((s) => send({ 'x-request-id': s, 'content-type': 'application/json' }), worst);
    }
  });

  it('Content-Type (the +json suffix pattern)', async () => {
    for (const worst of [`application/${run('+', HEADER)}`, `application/${run('a.', HEADER)}+jso`]) {
      await timed((s) => send({ 'content-type': s }), worst);
    }
  });

  it('Authorization (the Bearer pattern)', async () => {
    const { authenticate } = await import('../../src/modules/auth/index.js');
    const auth = new Hono()
      .use(authenticate())
      .get('/', (c) => c.text('ok'))
      .onError((_err, c) => c.text('no', 401));
    const get = (s: string) => Promise.resolve(auth.request('/', { headers: { authorization: s } }));
    for (const worst of [
      `Bearer ${run(' ', HEADER)}a b`,
      `Bearer${run('\t', HEADER)}`,
      run('Bearer ', HEADER),
    ]) {
      await timed(get, worst);
    }
  });
});

describe('webhook URLs and descriptions', () => {
  const swallow = (fn: () => unknown) => () => {
    try {
      fn();
    } catch {
      // refusals are the expected outcome; only the time matters
    }
  };
  it.each([
    ['letters', `https://${run('a', MIB)}`],
    ['dots', `https://${run('a.', MIB)}`],
    ['a path of slashes', `https://example.com${run('/', MIB)}`],
    ['percent escapes', `https://example.com/${run('%2', MIB)}`],
    ['an IPv6-looking host', `http://[${run('0:', MIB)}]/`],
    ['spaces with a control at the end', `https://example.com/${run(' a', MIB, '\u0000')}`],
  ])('1 MiB worst case: %s', async (_name, worst) => {
    await timed((u) => swallow(() => parseWebhookUrl(u))(), worst);
    // The 2,000-character limit comes first in the parser; the URL checks behind it see at most that much.
    const destination = (u: string) => {
      let url: URL;
      try {
        url = new URL(u.slice(0, 2000));
      } catch {
        return;
      }
      return checkDestination(url, async () => [], false).catch(() => {});
    };
    await timed(destination, worst);
    await timed((u) => CreateWebhookInput.safeParse({ url: u, events: ['*'], description: u }), worst);
    await timed((u) => UpdateWebhookInput.safeParse({ description: u }), worst);
  });
});

describe('email rendering, with maximal user-supplied values', () => {
  it('escapes and renders a 65,535-character body full of HTML metacharacters', async () => {
    await timed(escapeHtml, run(`&<>"'`, BODY_MAX));
    await timed(
      (body) =>
        renderEmail('message_created', {
          appName: 'Helpdesk',
          appUrl: 'https://help.example.com',
          recipient: { name: run('&', 200) },
          author: { name: run('<', 200) },
          ticket: { id: '1', subject: run('\r\n', 200), url: 'https://help.example.com/t/1' },
          message: { body },
        }),
      run(`&<>"'{{}}\r\n`, BODY_MAX),
    );
  });
});

/** Shapes that stress the email pattern: long local parts, dotted runs, hyphenated and dotted domains. */
function emailWorst(): string[] {
  return [
    run('a', MIB),
    run('a.', MIB),
    run("a'", MIB, '@'),
    `a@${run('a', MIB)}`,
    `a@${run('a.', MIB)}`,
    `a@${run('a-', MIB)}.c`,
    `a@${run('a.', MIB)}1`,
    run('a@', MIB),
  ];
}

/** Shapes that stress the text checks: plain runs, CR runs (folded to LF), controls at the very end. */
function textWorst(): string[] {
  return [
    run('a', MIB),
    run('\r', MIB),
    run('\r\n', MIB),
    run('é', MIB, '\u0000'),
    run('a\u200d', MIB, '\ud800'),
  ];
}

/** Shapes that stress the tag pattern and normalisation: word runs, punctuation runs, a bad last character. */
function tagWorst(size = MIB): string[] {
  return [run('a', size), run('a_', size, '!'), run('ｘ', size), run('e\u0301', size), run('a.', size, ' ')];
}

describe('collaboration input (issue 16), at 1 MiB per field', () => {
  it.each([
    ['letters', run('a', MIB)],
    ['repeated "{{"', run('{{', MIB)],
    ['repeated "{{ a.b"', run('{{ a.b', MIB)],
    ['repeated "{{#if a}}"', run('{{#if a}}', MIB)],
    ['spaces inside one tag', `{{${run(' ', MIB - 4)}}}`],
  ])('a macro reply template: %s', async (_name, worst) => {
    await timed((body) => MacroActions.safeParse({ reply: { body } }), worst);
  });

  it('CC addresses, bulk ids, merge ids and custom field values', async () => {
    await timed((v) => UpdateTicketInput.safeParse({ ccs: [v] }), run('a', MIB));
    await timed((v) => UpdateTicketInput.safeParse({ ccs: [`${v}@example.com`] }), run('a.', MIB));
    await timed((v) => BulkInput.safeParse({ ids: [v], changes: { priority: 'low' } }), run('1', MIB));
    await timed((v) => MergeInput.safeParse({ sourceIds: [v] }), run('1', MIB));
    const date: FieldDef = {
      id: 1,
      key: 'd',
      type: 'date',
      options: null,
      required: false,
      visibleToRequester: true,
    };
    await timed(
      (v) => validateFields([date], { d: v }, { seesAll: true, creating: false }),
      run('2026-', MIB),
    );
    const text: FieldDef = { ...date, type: 'text' };
    await timed((v) => validateFields([text], { d: v }, { seesAll: true, creating: false }), run('a', MIB));
  });
});

describe('the satisfaction (CSAT) page', () => {
  const parsed = parseConfig({
    NODE_ENV: 'test',
    DATABASE_URL: 'mysql://root@127.0.0.1:1/unused',
    SMTP_URL: 'smtp://127.0.0.1:1',
    JWT_SECRET: 'unit-secret-that-is-at-least-32-bytes-long',
  });
  if (!parsed.ok) throw new Error(parsed.message);
  const config = parsed.config;
  const clock = { now: () => new Date() };

  it.each(textWorst().map((s, i) => [i, s] as const))(
    'the comment, worst case %i at 1 MiB',
    async (_i, worst) => {
      await timed((s) => CsatComment.safeParse(s), worst);
    },
  );

  it('the link token, the path pattern and the form value at the sizes a request can carry', async () => {
    for (const worst of [run('a', MIB), run('a.', 1000), run('eyJ.', 999, '.')]) {
      await timed((s) => verifyCsatToken(config, clock, s), worst);
    }
    await timed((s) => CSAT_PAGE.test(s), `/csat/${run('a/', HEADER)}`);
    await timed((s) => constantTimeEqual(s, s), run('é', HEADER));
    // The whole check as the POST runs it: a header-sized cookie against a field of every shape.
    const app = new Hono<AppEnv>().post('/csat/t', async (c) =>
      c.text(String(await checkCsrf(c, config, 't', c.req.header('x-field') ?? ''))),
    );
    for (const field of [run('a', 200), run('a.', 200), `${run('A', 100)}.${run('9', 15)}.${run('_', 80)}`]) {
      await timed(
        (cookie) =>
          app.request('/csat/t', {
            method: 'POST',
            headers: { cookie: `csat_csrf=${cookie}`, 'x-field': field },
          }),
        run(field, HEADER - 20),
      );
    }
  });
});

describe('report and export queries (issue 17)', () => {
  // Query strings are capped at 16 KiB by Node: every parameter at that size, of digits and dashes.
  it.each([
    ['digits', run('9', HEADER)],
    ['day-like', run('2026-01-01', HEADER)],
    ['dashes', run('-', HEADER, 'x')],
  ])('%s in from/to/groupId/updatedSince/cursor', async (_, worst) => {
    await timed((v) => SummaryQuery.safeParse({ from: v, to: v, groupId: v, assigneeId: v }), worst);
    await timed((v) => TimeseriesQuery.safeParse({ metric: v, interval: v, from: v }), worst);
    await timed((v) => ExportQuery.safeParse({ updatedSince: v, cursor: v, limit: v }), worst);
  });
});
