import { describe, expect, it } from 'vitest';
import { csatLinksIn, csrfField } from '../helpers/csat.js';
import { type Actor, call, raise, settle, signIn } from './client.js';
import { TARGET_NAMES, useTarget } from './targets.js';

// Satisfaction (CSAT) on both runtimes: the solved email's link records a rating (GET), the page's
// form takes a comment (POST, with its CSRF cookie and field), the ticket shows both, and a link that
// was altered or used up is a 4xx page.

describe.each(TARGET_NAMES)('CSAT on %s', (name) => {
  const t = useTarget(name);

  it('solved email → rate via GET → comment via POST → on the ticket', async () => {
    const [user, agent]: [Actor, Actor] = await Promise.all([signIn(t(), 'user'), signIn(t(), 'agent')]);
    const id = await raise(t(), user, { subject: 'Parity lamp' });
    await settle(t());
    const solved = await call(t(), 'POST', `/tickets/${id}/transitions`, {
      token: agent.token,
      body: { to: 'solved' },
    });
    expect(solved.status).toBe(200);
    const mail = (await settle(t())).find((m) => m.to === user.email && m.subject.includes('solved'));
    const links = csatLinksIn(mail!);
    expect(links).not.toBeNull();

    const page = await t().fetch(`${links!.good.pathname}${links!.good.search}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await page.text();
    expect(html).toContain('<strong id="rating">Good</strong>');
    const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect(cookie).toBe(`csat_csrf=${csrfField(html)}`);

    const forged = await t().fetch(links!.good.pathname, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: csrfField(html), rating: 'bad', comment: 'forged' }).toString(),
    });
    expect(forged.status).toBe(403);
    await forged.text();

    const sent = await t().fetch(links!.good.pathname, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      body: new URLSearchParams({
        csrf: csrfField(html),
        rating: 'bad',
        comment: 'Slow <but> fixed',
      }).toString(),
    });
    expect(sent.status).toBe(200);
    expect(await sent.text()).toContain('Slow &lt;but&gt; fixed');

    const ticket = await call(t(), 'GET', `/tickets/${id}`, { token: agent.token });
    expect(ticket.body.satisfaction).toMatchObject({ rating: 'bad', comment: 'Slow <but> fixed' });
    const mine = await call(t(), 'GET', `/tickets/${id}`, { token: user.token });
    expect(mine.body.satisfaction.rating).toBe('bad');
    const events = await call(t(), 'GET', `/tickets/${id}/events`, { token: agent.token });
    expect(events.body.data.filter((e: { type: string }) => e.type === 'ticket.rated')).toHaveLength(2);

    const tampered = await t().fetch(`${links!.good.pathname}x?rating=good`);
    expect(tampered.status).toBe(400);
    await tampered.text();
    const meh = await t().fetch(`${links!.good.pathname}?rating=meh`);
    expect(meh.status).toBe(400);
    await meh.text();
    await call(t(), 'POST', `/tickets/${id}/transitions`, { token: user.token, body: { to: 'open' } });
    const used = await t().fetch(`${links!.bad.pathname}${links!.bad.search}`);
    expect(used.status).toBe(410);
    await used.text();
  });
});
