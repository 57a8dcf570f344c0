import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Actor, signIn } from '../helpers/actors.js';
import { useTestApp } from '../helpers/app.js';
import { raiseTicket, solveForLinks } from '../helpers/csat.js';
import { useMailbox } from '../helpers/mailbox.js';

// The CSAT flow in a real browser (Debian's chromium, driven by playwright-core; no browser is ever
// downloaded): the solved email's "good" link opens the page, the person changes their mind, writes a
// comment and sends the form (cookie, hidden field, Origin and Sec-Fetch-Site as a browser sends them),
// and the API shows the result. Part of `npm test`: without chromium it fails and says how to get it.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const env = useTestApp();
const mail = useMailbox(env);
let browser: Browser;
let server: { baseUrl: string; close(): Promise<void> };
let requester: Actor;
let agent: Actor;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: the CSAT browser test needs it. Install it with ` +
        '`sudo apt-get install -y chromium` (Debian/Ubuntu; .ci/run does this), or point CHROMIUM_PATH at a ' +
        'Chromium or Chrome binary.',
    );
  }
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  server = await env.app.listen();
  [requester, agent] = await Promise.all([
    signIn(env.app.http, env.db.database, 'user'),
    signIn(env.app.http, env.db.database, 'agent'),
  ]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('CSAT in a real browser', () => {
  it('good link → page → change to bad with a comment → thank-you page → stored and audited', async () => {
    const id = await raiseTicket(env.app, requester, 'Lamp <b>still</b> flickers');
    const links = await solveForLinks(env.app, mail, agent, requester, id);
    // The email's link, on the test server (APP_URL names the default port; the path is what matters).
    const url = `${server.baseUrl}${links.good.pathname}${links.good.search}`;

    const context = await browser.newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));

    const opened = await page.goto(url);
    expect(opened?.status()).toBe(200);
    expect(await page.locator('h1').textContent()).toBe('Thank you for your rating');
    expect(await page.locator('#rating').textContent()).toBe('Good');
    // The subject is text, not markup.
    expect(await page.locator('main p').first().textContent()).toContain('Lamp <b>still</b> flickers');
    expect(await page.isChecked('input[name="rating"][value="good"]')).toBe(true);
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === 'csat_csrf')).toMatchObject({
      httpOnly: true,
      sameSite: 'Strict',
      path: '/csat',
    });

    await page.check('input[name="rating"][value="bad"]');
    await page.fill('#comment', 'Fixed in the end, but it took three visits.');
    const [sent] = await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
    expect(sent?.status()).toBe(200);
    expect(await page.locator('h1').textContent()).toBe('Thank you for your feedback');
    expect(await page.locator('#rating').textContent()).toBe('Bad');
    expect(await page.locator('#comment').textContent()).toBe('Fixed in the end, but it took three visits.');
    // Nothing the strict CSP had to block, no script errors.
    expect(problems).toEqual([]);
    await context.close();

    const seen = await env.app.http.get(`/api/v1/tickets/${id}`).set(...agent.auth);
    expect(seen.body.satisfaction).toEqual({
      rating: 'bad',
      comment: 'Fixed in the end, but it took three visits.',
      ratedAt: expect.any(String),
    });
    const events = await env.app.http.get(`/api/v1/tickets/${id}/events`).set(...agent.auth);
    const rated = (events.body.data as { type: string; data: unknown }[]).filter(
      (e) => e.type === 'ticket.rated',
    );
    expect(rated.map((e) => e.data)).toEqual([
      { rating: 'good', previousRating: null, comment: null },
      { rating: 'bad', previousRating: 'good', comment: 'Fixed in the end, but it took three visits.' },
    ]);
  }, 60_000);
});
