import { Writable } from 'node:stream';
import { createAdaptorServer } from '@hono/node-server';
import { eq } from 'drizzle-orm';
import supertest from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { notifications } from '../../db/schema/index.js';
import { createApp } from '../../src/app.js';
import { createLogger } from '../../src/logger.js';
import { type Actor, signIn } from '../helpers/actors.js';
import { useTestApp } from '../helpers/app.js';
import { type CsatLinks, csrfCookie, csrfField, raiseTicket, solveForLinks } from '../helpers/csat.js';
import { useMailbox } from '../helpers/mailbox.js';

// The CSAT page as an attacker meets it: forged and replayed forms (CSRF), oversized and hostile
// comments, markup in a subject or a comment, and the token kept out of logs and stored email rows.
const env = useTestApp();
const mail = useMailbox(env);
let requester: Actor;
let agent: Actor;

beforeAll(async () => {
  [requester, agent] = await Promise.all([
    signIn(env.app.http, env.db.database, 'user'),
    signIn(env.app.http, env.db.database, 'agent'),
  ]);
});

const api = () => env.app.http;
const satisfaction = async (id: string) =>
  (
    await api()
      .get(`/api/v1/tickets/${id}`)
      .set(...agent.auth)
  ).body.satisfaction;

/** A solved ticket rated good from its link: the links, the page's form value and its cookie. */
async function ratedTicket(subject?: string) {
  const id = await raiseTicket(env.app, requester, subject);
  const links = await solveForLinks(env.app, mail, agent, requester, id);
  const page = await api().get(`${links.good.pathname}${links.good.search}`);
  expect(page.status).toBe(200);
  return { id, links, page, csrf: csrfField(page.text), cookie: csrfCookie(page.headers['set-cookie']).pair };
}

const post = (links: CsatLinks, form: Record<string, string>, headers: Record<string, string> = {}) =>
  api().post(links.good.pathname).set(headers).type('form').send(form);

describe('CSAT comment form: CSRF', () => {
  it('refuses a POST without the cookie, with another value, cross-site, or for another link (403, nothing stored)', async () => {
    const a = await ratedTicket();
    const b = await ratedTicket();
    const form = { csrf: a.csrf, rating: 'bad', comment: 'forged' };
    const attempts: [string, ReturnType<typeof post>][] = [
      ['no cookie', post(a.links, form)],
      ['no field', post(a.links, { rating: 'bad', comment: 'forged' }, { Cookie: a.cookie })],
      ['mismatched cookie', post(a.links, form, { Cookie: b.cookie })],
      ['mismatched field', post(a.links, { ...form, csrf: b.csrf }, { Cookie: b.cookie })],
      ['cross-site Origin', post(a.links, form, { Cookie: a.cookie, Origin: 'https://evil.example' })],
      ['null Origin', post(a.links, form, { Cookie: a.cookie, Origin: 'null' })],
      ['Sec-Fetch-Site', post(a.links, form, { Cookie: a.cookie, 'Sec-Fetch-Site': 'cross-site' })],
      ['same-site', post(a.links, form, { Cookie: a.cookie, 'Sec-Fetch-Site': 'same-site' })],
      ['altered MAC', post(a.links, { ...form, csrf: `${a.csrf}x` }, { Cookie: `${a.cookie}x` })],
      [
        'other state',
        post(
          a.links,
          { ...form, csrf: a.csrf.replace(/\.\d+\./, '.1.') },
          { Cookie: a.cookie.replace(/\.\d+\./, '.1.') },
        ),
      ],
    ];
    for (const [what, req] of attempts) {
      const res = await req;
      expect(res.status, what).toBe(403);
      expect(res.headers['content-type'], what).toMatch(/^text\/html/);
    }
    // b's form value on a's link: valid MAC for b's token only.
    const crossed = await api()
      .post(a.links.good.pathname)
      .set('Cookie', b.cookie)
      .type('form')
      .send({ csrf: b.csrf, rating: 'bad' });
    expect(crossed.status).toBe(403);
    expect(await satisfaction(a.id)).toMatchObject({ rating: 'good', comment: null });
  });

  it('a form value changes things once: the replay of a successful POST is 409', async () => {
    const t = await ratedTicket();
    const ok = await post(
      t.links,
      { csrf: t.csrf, rating: 'bad', comment: 'first' },
      { Cookie: t.cookie, Origin: env.app.deps.config.appUrl, 'Sec-Fetch-Site': 'same-origin' },
    );
    expect(ok.status, ok.text).toBe(200);
    expect([ok.headers['set-cookie'] ?? []].flat().join('')).toMatch(/csat_csrf=;/);
    const replay = await post(
      t.links,
      { csrf: t.csrf, rating: 'good', comment: 'second' },
      { Cookie: t.cookie },
    );
    expect(replay.status).toBe(409);
    expect(await satisfaction(t.id)).toMatchObject({ rating: 'bad', comment: 'first' });
    // A newer click on a link (on another device, say) also outdates a form shown before it.
    const u = await ratedTicket();
    expect((await api().get(`${u.links.bad.pathname}${u.links.bad.search}`)).status).toBe(200);
    const stale = await post(
      u.links,
      { csrf: u.csrf, rating: 'good', comment: 'late' },
      { Cookie: u.cookie },
    );
    expect(stale.status).toBe(409);
    expect(stale.text).toContain('out of date');
    expect(await satisfaction(u.id)).toMatchObject({ rating: 'bad', comment: null });
  });
});

describe('CSAT comment form: hostile input', () => {
  it('refuses a 100 KB comment (413), a long one and control characters (422), storing nothing', async () => {
    const t = await ratedTicket();
    const huge = await post(
      t.links,
      { csrf: t.csrf, rating: 'bad', comment: 'x'.repeat(100_000) },
      { Cookie: t.cookie },
    );
    expect(huge.status).toBe(413);
    expect(huge.headers['content-type']).toMatch(/^text\/html/);
    for (const comment of ['y'.repeat(2001), 'bell\u0007', 'evil\u202Eeman', 'nul\u0000']) {
      const res = await post(t.links, { csrf: t.csrf, rating: 'bad', comment }, { Cookie: t.cookie });
      expect(res.status, JSON.stringify(comment.slice(0, 20))).toBe(422);
      expect(res.text).toContain('name="csrf"');
    }
    const meh = await post(t.links, { csrf: t.csrf, rating: 'meh' }, { Cookie: t.cookie });
    expect(meh.status).toBe(400);
    expect(await satisfaction(t.id)).toMatchObject({ rating: 'good', comment: null });
    // Unicode text, tabs and line breaks are fine; 2,000 characters exactly is fine.
    const kind = 'Merci 🙏 — شكرا\tdanke\r\nnext line';
    // (Sent the way Chromium sends the page's own form under `Referrer-Policy: no-referrer`.)
    const fine = await post(
      t.links,
      { csrf: t.csrf, rating: 'good', comment: kind },
      { Cookie: t.cookie, Origin: 'null', 'Sec-Fetch-Site': 'same-origin' },
    );
    expect(fine.status, fine.text).toBe(200);
    expect((await satisfaction(t.id)).comment).toBe('Merci 🙏 — شكرا\tdanke\nnext line');
    // Bytes that are no UTF-8 at all (an encoded lone surrogate, a stray continuation byte, a cut escape)
    // are never a 5xx: the form decoder makes them U+FFFD, which is text, or the page refuses them.
    for (const raw of ['%ED%A0%80', '%80', '%']) {
      const u = await ratedTicket();
      const res = await api()
        .post(u.links.good.pathname)
        .set('Cookie', u.cookie)
        .type('form')
        .send(`csrf=${encodeURIComponent(u.csrf)}&rating=bad&comment=${raw}`);
      expect(res.status, raw).toBeLessThan(500);
      const stored = (await satisfaction(u.id)).comment as string | null;
      expect(stored === null || !/\p{Cs}/u.test(stored), raw).toBe(true);
    }
  });

  it('escapes markup from the subject and the comment', async () => {
    const t = await ratedTicket('<script>alert("subject")</script>');
    expect(t.page.text).not.toContain('<script>');
    expect(t.page.text).toContain('&lt;script&gt;alert(&quot;subject&quot;)&lt;/script&gt;');
    const comment = '</textarea><script>alert(1)</script><img src=x onerror=alert(2)>';
    const res = await post(t.links, { csrf: t.csrf, rating: 'bad', comment }, { Cookie: t.cookie });
    expect(res.status).toBe(200);
    expect(res.text).not.toMatch(/<script|<img/);
    expect(res.text).toContain('&lt;/textarea&gt;&lt;script&gt;');
    // Shown again in the form of a later page, still escaped inside the textarea.
    const again = await api().get(`${t.links.bad.pathname}${t.links.bad.search}`);
    expect(again.text).toContain('&lt;/textarea&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(again.text).not.toMatch(/<script|<img/);
  });
});

describe('CSAT tokens stay secret', () => {
  it('never reach the request log, and leave the email row once sent', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const app = createApp({ ...env.app.deps, logger: createLogger({ level: 'debug' }, sink) });
    const http = supertest(createAdaptorServer({ fetch: app.fetch }));
    const id = await raiseTicket(env.app, requester);
    const links = await solveForLinks(env.app, mail, agent, requester, id);
    const page = await http.get(`${links.good.pathname}${links.good.search}`);
    expect(page.status).toBe(200);
    await http.post(links.good.pathname).type('form').send({ rating: 'bad' });
    expect(lines.join('')).toContain('/csat/[redacted]');
    expect(lines.join('')).not.toContain(links.token.slice(0, 40));
    const rows = await env.db.database.use((db) =>
      db
        .select({ payload: notifications.payload })
        .from(notifications)
        .where(eq(notifications.ticketId, Number(id))),
    );
    expect(JSON.stringify(rows)).not.toContain(links.token.slice(0, 40));
  });
});
